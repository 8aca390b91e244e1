import { readFileSync } from 'node:fs';

/** Gatehouse's version, from package.json (two levels above dist/src/gateway/). */
export function gatehouseVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
