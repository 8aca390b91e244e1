/**
 * A describe() for tests that need an external program (etcd, Redis). Without it: a loud skip
 * on a developer machine naming what to install, a failure in CI (CI set), so a broken CI image
 * cannot pass by skipping. `cleanup` runs after the suite (stops what the tests started).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, describe, test } from 'node:test';

/** Where a program is (/usr/bin, then PATH; or only `onlyDir`), or undefined. */
export function findBinary(name: string, onlyDir?: string): string | undefined {
  const dirs = onlyDir ? [onlyDir] : ['/usr/bin', ...(process.env['PATH'] ?? '').split(delimiter)];
  return dirs.map((d) => join(d, name)).find((p) => p !== name && existsSync(p));
}

export interface RequiredTool {
  /** Whether the program is installed. */
  readonly present: boolean;
  /** What the CI check is called: `etcd is installed`. */
  readonly what: string;
  /** The install hint, naming the Debian package. */
  readonly hint: string;
  readonly cleanup: () => Promise<void>;
}

export function requiredToolSuite(tool: RequiredTool, name: string, body: () => void): void {
  if (tool.present) {
    void describe(name, () => {
      after(tool.cleanup);
      body();
    });
    return;
  }
  if (process.env['CI']) {
    void describe(name, () => {
      void test(`${tool.what} (required in CI)`, () => assert.fail(tool.hint));
    });
    return;
  }
  process.stderr.write(`\n*** SKIPPING "${name}": ${tool.hint} ***\n\n`);
  void describe(name, { skip: tool.hint }, body);
}
