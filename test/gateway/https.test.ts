import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { configFromObject } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { startGateway } from '../../src/gateway/gateway.js';
import { echoUpstream, loopbackUpstream } from '../proxy/helpers.js';
import { freePort } from '../support/free-port.js';
import { pair } from '../support/tls-fixtures.js';
import { handshake, httpsGet } from '../tls/helpers.js';

const KEY = 'k'.repeat(32);

async function admin(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}?wait_applied=10`, {
    method,
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as { value?: Record<string, unknown> } };
}

void test('an ssl written through the Admin API is served by the workers, then removed', async () => {
  const sslPort = await freePort();
  const config = configFromObject(
    {
      apisix: {
        enable_control: false,
        node_listen: [{ ip: '127.0.0.1', port: 0 }],
        ssl: { listen: [{ ip: '127.0.0.1', port: sslPort }] },
      },
      nginx_config: { worker_processes: 1 },
      plugin_attr: { prometheus: { enable_export_server: false } },
      deployment: {
        admin: {
          admin_listen: { ip: '127.0.0.1', port: 0 },
          admin_key: [{ name: 'admin', key: KEY, role: 'admin' }],
        },
      },
    },
    { prefix: mkdtempSync(path.join(tmpdir(), 'gh-https-')) },
  );
  const up = await echoUpstream();
  const gateway = await startGateway(config, {
    logger: silentLogger(),
    handleSignals: false,
    writePid: false,
  });
  try {
    const base = gateway.adminUrl ?? '';
    const put = await admin(base, 'PUT', '/ssls/1', { ...pair('www'), sni: 'www.test.com' });
    assert.equal(put.status, 201);
    // Stored encrypted (the default keyring): the worker decrypts it for the handshake.
    assert.doesNotMatch(String(put.body.value?.['key']), /BEGIN/);
    await admin(base, 'PUT', '/routes/1', {
      uri: '/echo',
      upstream: loopbackUpstream(up.port),
    });
    const hs = await handshake(sslPort, 'www.test.com');
    assert.deepEqual([hs.cn, hs.authorized], ['www.test.com', true]);
    const r = await httpsGet(sslPort, 'www.test.com', '/echo');
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.body) as { headers: Record<string, string> };
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
    assert.equal((await admin(base, 'DELETE', '/ssls/1')).status, 200);
    await assert.rejects(handshake(sslPort, 'www.test.com'));
  } finally {
    await gateway.close();
    await up.close();
  }
});
