import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adminHead, exitCode, freePort, gatewayDir, runCli, spawnCli, waitFor } from './helpers.js';

const KEY_LINE =
  /^Admin API key \(saved in .*config\.yaml, deployment\.admin\.admin_key\): ([A-Za-z]{32})$/m;

void test('start --config from another directory serves the Admin API; stop ends it with exit 0', async () => {
  const gw = await gatewayDir();
  const elsewhere = mkdtempSync(path.join(tmpdir(), 'gh-cwd-'));
  const child = spawnCli(['start', '--config', gw.config], elsewhere);
  try {
    await waitFor(async () => (await adminHead(gw.adminPort)) === 200, 'the Admin API');
    const pidFile = path.join(gw.prefix, 'logs', 'gatehouse.pid');
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(child.pid));
    assert.ok(existsSync(path.join(gw.prefix, 'data', 'gatehouse.db')), 'store under the prefix');
    assert.match(child.output.stderr, /Admin API at http:\/\/127\.0\.0\.1:\d+\/apisix\/admin/);

    const stop = await runCli(['stop', '-c', gw.config], elsewhere);
    assert.equal(stop.stderr, '');
    assert.equal(stop.code, 0);
    assert.equal(stop.stdout, `gatehouse stopped (pid ${child.pid})\n`);
    assert.equal(await exitCode(child), 0);
    assert.equal(existsSync(pidFile), false, 'pid file removed');
    assert.equal(await adminHead(gw.adminPort), 0);
  } finally {
    child.kill('SIGKILL');
  }
});

void test('the first start generates the admin key, prints it once, and later starts reuse it', async () => {
  const gw = await gatewayDir();
  const first = spawnCli(['start'], gw.prefix);
  let key: string | undefined;
  try {
    await waitFor(async () => (await adminHead(gw.adminPort)) === 200, 'the Admin API');
    key = KEY_LINE.exec(first.output.stdout)?.[1];
    assert.ok(key !== undefined, `key printed: ${first.output.stdout}`);
    assert.equal(first.output.stdout.split('\n').filter((l) => l.includes(key ?? '-')).length, 1);
    const text = readFileSync(gw.config, 'utf8');
    assert.ok(text.startsWith('# test gateway\n'), 'comments kept');
    assert.ok(text.includes(key));
    assert.equal(statSync(gw.config).mode & 0o777, 0o600);
    const res = await fetch(`http://127.0.0.1:${gw.adminPort}/apisix/admin/routes`, {
      headers: { 'X-API-KEY': key },
    });
    assert.equal(res.status, 200);
    const denied = await fetch(`http://127.0.0.1:${gw.adminPort}/apisix/admin/routes`);
    assert.equal(denied.status, 401);
  } finally {
    first.kill('SIGTERM');
    await exitCode(first);
  }

  const second = spawnCli(['start'], gw.prefix);
  try {
    await waitFor(async () => (await adminHead(gw.adminPort)) === 200, 'the second start');
    assert.equal(second.output.stdout, '', 'no key printed again');
    assert.ok(readFileSync(gw.config, 'utf8').includes(key));
  } finally {
    second.kill('SIGTERM');
    assert.equal(await exitCode(second), 0);
  }
});

void test('init generates the key without starting, and start then prints nothing', async () => {
  const gw = await gatewayDir();
  const init = await runCli(['init', '--prefix', gw.prefix], tmpdir());
  assert.equal(init.code, 0);
  assert.match(init.stdout, KEY_LINE);
  assert.ok(existsSync(path.join(gw.prefix, 'data')));
  const again = await runCli(['init', '--prefix', gw.prefix], tmpdir());
  assert.doesNotMatch(again.stdout, KEY_LINE);
});

void test('reload makes the running gateway re-read config.yaml and log the change', async () => {
  const gw = await gatewayDir();
  const child = spawnCli(['start'], gw.prefix);
  try {
    await waitFor(async () => (await adminHead(gw.adminPort)) === 200, 'the Admin API');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(gw.config, `${readFileSync(gw.config, 'utf8')}\nplugins: [key-auth]\n`);
    const res = await runCli(['reload'], gw.prefix);
    assert.equal(res.code, 0);
    assert.equal(res.stdout, `gatehouse (pid ${child.pid}) is re-reading its configuration\n`);
    await waitFor(
      () => child.output.stderr.includes('reload: config.yaml changed: plugins'),
      'the reload log line',
    );
    assert.equal(child.exitCode, null, 'still running');
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exitCode(child), 0);
  }
});

void test('start refuses a second instance while one runs', async () => {
  const gw = await gatewayDir();
  const child = spawnCli(['start'], gw.prefix);
  try {
    await waitFor(async () => (await adminHead(gw.adminPort)) === 200, 'the Admin API');
    const res = await runCli(['start'], gw.prefix);
    assert.equal(res.code, 1);
    assert.equal(
      res.stderr,
      `gatehouse: logs/gatehouse.pid: gatehouse is already running (pid ${child.pid})\n`,
    );
  } finally {
    child.kill('SIGTERM');
    await exitCode(child);
  }
});

void test('an unreachable etcd stops start-up with one line naming the endpoint', async () => {
  const nobody = await freePort();
  const gw = await gatewayDir(
    '  role_traditional: { config_provider: etcd }\n' +
      `  etcd: { host: ["http://127.0.0.1:${nobody}"], timeout: 2 }\n`,
  );
  const res = await runCli(['start'], gw.prefix);
  assert.equal(res.code, 1);
  assert.match(
    res.stderr,
    new RegExp(`^gatehouse: etcd \\(http://127\\.0\\.0\\.1:${nobody}\\) is unavailable`),
  );
  assert.equal(res.stderr.split('\n').length, 2, 'one line');
});
