import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';
import { adminHead, gatewayDir, runCli } from './helpers.js';

void test('start --daemon returns once ready, writes the pid file, and stop ends it', async () => {
  const gw = await gatewayDir();
  const res = await runCli(['start', '--daemon', '--config', gw.config], tmpdir());
  const pidFile = path.join(gw.prefix, 'logs', 'gatehouse.pid');
  try {
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Admin API key/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.match(res.stdout, new RegExp(`gatehouse started in the background \\(pid ${pid}, log `));
    assert.equal(await adminHead(gw.adminPort), 200, 'ready when start returned');

    const stop = await runCli(['stop', '--config', gw.config], tmpdir());
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(existsSync(pidFile), false);
    assert.equal(await adminHead(gw.adminPort), 0);
    const again = await runCli(['stop', '--config', gw.config], tmpdir());
    assert.equal(again.code, 1);
    assert.match(again.stderr, /gatehouse is not running/);
  } finally {
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  }
});

void test('start --daemon reports the child failure as one line', async () => {
  const gw = await gatewayDir();
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(gw.adminPort, '127.0.0.1', resolve));
  try {
    const res = await runCli(['start', '--daemon', '--config', gw.config], tmpdir());
    assert.equal(res.code, 1);
    assert.equal(
      res.stderr,
      `gatehouse: listen EADDRINUSE: address already in use 127.0.0.1:${gw.adminPort}\n`,
    );
    assert.equal(existsSync(path.join(gw.prefix, 'logs', 'gatehouse.pid')), false);
  } finally {
    blocker.close();
  }
});
