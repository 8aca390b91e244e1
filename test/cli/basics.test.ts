import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './helpers.js';

const cwd = tmpdir();
const pkg = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8'),
) as { version: string };

void test('version prints the package version', async () => {
  const res = await runCli(['version'], cwd);
  assert.equal(res.code, 0);
  assert.equal(res.stdout, `${pkg.version}\n`);
});

void test('--help lists every command and the global options', async () => {
  const res = await runCli(['--help'], cwd);
  assert.equal(res.code, 0);
  for (const name of ['init', 'start', 'stop', 'reload', 'validate', 'version', 'help']) {
    assert.match(res.stdout, new RegExp(`^  ${name} `, 'm'));
  }
  assert.match(res.stdout, /--config FILE/);
  assert.match(res.stdout, /--prefix DIR/);
});

void test('help <command> and <command> --help show that command', async () => {
  const viaHelp = await runCli(['help', 'start'], cwd);
  const viaFlag = await runCli(['start', '--help'], cwd);
  assert.equal(viaHelp.code, 0);
  assert.equal(viaHelp.stdout, viaFlag.stdout);
  assert.match(viaHelp.stdout, /^Usage: gatehouse start/);
  assert.match(viaHelp.stdout, /--daemon/);
  const validate = await runCli(['help', 'validate'], cwd);
  assert.match(validate.stdout, /--standalone FILE/);
});

void test('an unknown command exits 2 with one line on stderr', async () => {
  const res = await runCli(['frobnicate'], cwd);
  assert.equal(res.code, 2);
  assert.equal(res.stdout, '');
  assert.equal(res.stderr, "gatehouse: unknown command 'frobnicate' (see gatehouse --help)\n");
});

void test('an unknown option or a missing value exits 2', async () => {
  const unknown = await runCli(['start', '--deamon'], cwd);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, "gatehouse: unknown option '--deamon' (see gatehouse --help)\n");
  const missing = await runCli(['validate', '--config'], cwd);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^gatehouse: option '--config' needs a FILE/);
});

void test('a config error is one line naming the file and the key, never a stack trace', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gh-cli-'));
  writeFileSync(
    path.join(dir, 'config.yaml'),
    'deployment:\n  admin:\n    allow_admin: 127.0.0.1\n',
  );
  const res = await runCli(['start', '-c', 'config.yaml'], dir);
  assert.equal(res.code, 1);
  assert.equal(
    res.stderr,
    'gatehouse: config.yaml: deployment.admin.allow_admin: expected array, got string\n',
  );
});

void test('stop without a running gateway says so and exits 1', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gh-cli-'));
  const res = await runCli(['stop', '--prefix', dir], cwd);
  assert.equal(res.code, 1);
  assert.match(
    res.stderr,
    /^gatehouse: .*gatehouse\.pid: gatehouse is not running \(no pid file\)\n$/,
  );
});
