import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdSuite, startEtcd } from '../support/etcd.js';
import {
  admin,
  controlJson,
  httpGet,
  startGatehouse,
  startUpstream,
  type WorkerRow,
} from './helpers.js';

etcdSuite('control_plane over etcd', () => {
  void test('control_plane: Admin API and no workers; a write-and-wait says there were none', async () => {
    const etcd = await startEtcd();
    const gw = await startGatehouse({
      deployment: [
        '  role: control_plane',
        '  role_control_plane: { config_provider: etcd }',
        `  etcd: { host: ["${etcd.endpoint}"], prefix: /apisix }`,
      ].join('\n'),
    });
    try {
      assert.deepEqual(await controlJson<WorkerRow[]>(gw, '/v1/gatehouse/workers'), []);
      const put = await admin(gw, 'PUT', '/upstreams/1?wait_applied=1', {
        nodes: { '127.0.0.1:1': 1 },
      });
      assert.equal(put.status, 201);
      assert.equal(put.headers['x-gatehouse-wait'], 'no-workers');
      await assertNotServed(httpGet(gw.ports.http, '/'));
    } finally {
      assert.equal(await gw.stop(), 0);
    }
  });
});

/**
 * Nothing of this gateway listens on the port: refused, or — when another test's server took
 * the free port since — not a success from it.
 */
async function assertNotServed(call: Promise<{ status: number }>): Promise<void> {
  const reply = await call.catch((err: NodeJS.ErrnoException) => err);
  if (reply instanceof Error) assert.equal(reply.code, 'ECONNREFUSED');
  else assert.notEqual(reply.status, 200);
}

void test('data_plane with a yaml file: workers serve its routes, no Admin API', async () => {
  const upstream = await startUpstream();
  const gw = await startGatehouse({
    workers: 2,
    deployment: '  role: data_plane\n  role_data_plane: { config_provider: yaml }',
    files: {
      'conf/apisix.yaml': [
        'routes:',
        '  - id: 1',
        '    uri: /from-yaml',
        `    upstream: { type: roundrobin, nodes: { "127.0.0.1:${upstream.port}": 1 } }`,
        '#END',
        '',
      ].join('\n'),
    },
  });
  try {
    const workers = await controlJson<WorkerRow[]>(gw, '/v1/gatehouse/workers');
    assert.equal(workers.length, 2);
    for (let i = 0; i < 4; i++) {
      const res = await httpGet(gw.ports.http, '/from-yaml');
      assert.equal(res.status, 200);
    }
    await assertNotServed(admin(gw, 'GET', '/routes'));
    const routes = await controlJson<{ key: string }[]>(gw, '/v1/routes');
    assert.deepEqual(
      routes.map((r) => r.key),
      ['/apisix/routes/1'],
    );
  } finally {
    await gw.stop();
    upstream.server.close();
  }
});
