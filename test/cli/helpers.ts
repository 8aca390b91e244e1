import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/free-port.js';

export { freePort };

/** bin/gatehouse.js, from dist/test/cli/. */
export const BIN = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A gateway directory `<tmp>/conf/config.yaml` whose every listener is on a free port, so
 * tests can run side by side. Returns the prefix, the config path and the admin port.
 */
export async function gatewayDir(
  extraYaml = '',
): Promise<{ prefix: string; config: string; adminPort: number }> {
  const prefix = mkdtempSync(path.join(tmpdir(), 'gh-cli-'));
  const [adminPort, http, https] = [await freePort(), await freePort(), await freePort()];
  mkdirSync(path.join(prefix, 'conf'));
  const config = path.join(prefix, 'conf', 'config.yaml');
  writeFileSync(
    config,
    [
      '# test gateway',
      'apisix:',
      `  node_listen: ${http}`,
      '  enable_control: false',
      '  ssl:',
      `    listen: [{ port: ${https} }]`,
      'plugin_attr:',
      '  prometheus:',
      '    enable_export_server: false',
      'deployment:',
      '  admin:',
      `    admin_listen: { ip: 127.0.0.1, port: ${adminPort} }`,
      extraYaml,
    ].join('\n'),
  );
  return { prefix, config, adminPort };
}

/** Runs `node bin/gatehouse.js <args>` to completion. */
export function runCli(args: readonly string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `node bin/gatehouse.js <args>` and leaves it running. */
export function spawnCli(
  args: readonly string[],
  cwd: string,
): ChildProcess & { output: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  return Object.assign(child, { output });
}

/** Resolves once `read()` matches, polling; rejects after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The exit code of a child that is exiting or has exited. */
export function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** HEAD /apisix/admin (no auth, APISIX's health probe): the status, or 0 when nothing answers. */
export async function adminHead(port: number): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/apisix/admin`, { method: 'HEAD' });
    return res.status;
  } catch {
    return 0;
  }
}
