import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configFromObject } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { startGateway } from '../../src/gateway/gateway.js';
import { freePort } from '../support/free-port.js';

function prefix(): string {
  return mkdtempSync(path.join(tmpdir(), 'gh-gw-'));
}

/** Every listener on port 0 or off, so tests never collide. */
function testConfig(dir: string, deployment: Record<string, unknown> = {}) {
  return configFromObject(
    {
      apisix: {
        enable_control: false,
        node_listen: [{ ip: '127.0.0.1', port: 0 }],
        ssl: { listen: [{ ip: '127.0.0.1', port: 0 }] },
      },
      nginx_config: { worker_processes: 1 },
      plugin_attr: { prometheus: { enable_export_server: false } },
      deployment: {
        admin: {
          admin_listen: { ip: '127.0.0.1', port: 0 },
          admin_key: [{ name: 'admin', key: 'k'.repeat(32), role: 'admin' }],
        },
        ...deployment,
      },
    },
    { prefix: dir },
  );
}

void test('embedded provider: opens the store under data_dir and serves the Admin API', async () => {
  const dir = prefix();
  const gateway = await startGateway(testConfig(dir), {
    logger: silentLogger(),
    handleSignals: false,
  });
  try {
    assert.match(gateway.adminUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/apisix\/admin$/);
    const res = await fetch(gateway.adminUrl ?? '', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.ok(existsSync(path.join(dir, 'data', 'gatehouse.db')));
    assert.ok(existsSync(path.join(dir, 'logs', 'gatehouse.pid')));
  } finally {
    await gateway.close();
  }
  assert.equal(existsSync(path.join(dir, 'logs', 'gatehouse.pid')), false, 'pid file removed');
  await gateway.closed;
});

void test('close is idempotent and resolves closed', async () => {
  const gateway = await startGateway(testConfig(prefix()), {
    logger: silentLogger(),
    handleSignals: false,
    writePid: false,
  });
  await Promise.all([gateway.close(), gateway.close()]);
  await gateway.closed;
});

void test('yaml provider: read-only store, so no Admin API', async () => {
  const dir = prefix();
  mkdirSync(path.join(dir, 'conf'));
  writeFileSync(path.join(dir, 'conf', 'apisix.yaml'), 'routes: []\n#END\n');
  const config = testConfig(dir, { role_traditional: { config_provider: 'yaml' } });
  const gateway = await startGateway(config, {
    logger: silentLogger(),
    handleSignals: false,
    writePid: false,
  });
  try {
    assert.equal(gateway.adminUrl, undefined);
  } finally {
    await gateway.close();
  }
});

void test('etcd provider: an unreachable etcd fails start with an error naming etcd and its endpoint', async () => {
  const host = `http://127.0.0.1:${await freePort()}`;
  const config = testConfig(prefix(), {
    role_traditional: { config_provider: 'etcd' },
    etcd: { host: [host], timeout: 1 },
  });
  await assert.rejects(startGateway(config, { logger: silentLogger(), handleSignals: false }), {
    code: 'GH_ERR_STORE_UNAVAILABLE',
    message: new RegExp(`etcd \\(${host.replace(/[.]/g, '\\.')}\\) is unavailable`),
  });
});

void test('a failing Admin API listen closes the store and leaves no pid file', async () => {
  const dir = prefix();
  const first = await startGateway(testConfig(dir), {
    logger: silentLogger(),
    handleSignals: false,
    writePid: false,
  });
  try {
    const port = Number(new URL(first.adminUrl ?? '').port);
    const other = prefix();
    const clash = configFromObject(
      {
        apisix: { enable_control: false },
        plugin_attr: { prometheus: { enable_export_server: false } },
        deployment: { admin: { admin_listen: { ip: '127.0.0.1', port } } },
      },
      { prefix: other },
    );
    await assert.rejects(startGateway(clash, { logger: silentLogger(), handleSignals: false }), {
      code: 'EADDRINUSE',
    });
    assert.equal(existsSync(path.join(other, 'logs', 'gatehouse.pid')), false);
  } finally {
    await first.close();
  }
});
