import assert from 'node:assert/strict';
import { test } from 'node:test';
import { etcdSuite, startEtcd, type EtcdMember } from '../support/etcd.js';
import {
  adminCall,
  call,
  revisionOf,
  routeTo,
  startEtcdNode,
  waitApplied,
  waitUntil,
} from '../support/gatehouse-node.js';
import { startUpstream } from './helpers.js';

async function metric(etcd: EtcdMember, name: string): Promise<number> {
  const text = await (await fetch(`${etcd.endpoint}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  assert.ok(line, `etcd /metrics has no ${name}`);
  return Number(line.slice(name.length + 1));
}

/** Open gRPC watch streams on etcd's side (etcd's own count, not the client's). */
const watchStreams = (etcd: EtcdMember) => metric(etcd, 'etcd_debugging_mvcc_watch_stream_total');

etcdSuite('Gatehouse nodes sharing one etcd', () => {
  void test('a route written through node A is served by every worker of node B', async () => {
    const etcd = await startEtcd({ name: 'two-nodes' });
    const upstream = await startUpstream();
    const a = await startEtcdNode({ endpoints: [etcd.endpoint], workers: 2 });
    const b = await startEtcdNode({ endpoints: [etcd.endpoint], workers: 3 });
    try {
      const put = await adminCall(
        a,
        'PUT',
        '/routes/1?wait_applied=5',
        routeTo(upstream.port, '/two'),
      );
      assert.equal(put.status, 201, put.body);
      assert.equal(put.headers['x-gatehouse-wait'], 'applied');
      const revision = Number(put.headers['x-gatehouse-revision']);
      await waitApplied(b, revision);
      const view = await revisionOf(b);
      assert.equal(view.workers.length, 3);
      assert.equal(view.config, 'synced');
      // Every worker has applied it (above); fresh connections spread these over all of them.
      for (let i = 0; i < 9; i++) {
        const res = await call(b.ports.http, 'GET', '/two');
        assert.equal(res.status, 200);
        assert.equal(res.body, 'upstream /two');
      }
    } finally {
      assert.equal(await a.stop(), 0);
      assert.equal(await b.stop(), 0);
      upstream.server.close();
    }
  });

  void test('each node holds exactly one etcd watch stream whatever its worker count', async () => {
    // An etcd of its own: its metrics count only these nodes.
    const etcd = await startEtcd({ name: 'streams' });
    const four = await startEtcdNode({ endpoints: [etcd.endpoint], workers: 4 });
    try {
      const put = await adminCall(four, 'PUT', '/upstreams/1?wait_applied=5', {
        nodes: { '127.0.0.1:1': 1 },
      });
      assert.equal(put.headers['x-gatehouse-wait'], 'applied');
      assert.equal((await revisionOf(four)).workers.length, 4);
      assert.equal(await watchStreams(etcd), 1, '4 workers, 1 node: 1 stream');
      assert.equal(await metric(etcd, 'etcd_debugging_mvcc_watcher_total'), 1);

      const one = await startEtcdNode({ endpoints: [etcd.endpoint], workers: 1 });
      try {
        assert.equal(await watchStreams(etcd), 2, 'a second node adds one stream');
      } finally {
        assert.equal(await one.stop(), 0);
      }
    } finally {
      assert.equal(await four.stop(), 0);
    }
    await waitUntil(async () => (await watchStreams(etcd)) === 0, 'streams closed after stop');
  });

  void test('control_plane writes, data_plane serves: roles over one etcd', async () => {
    const etcd = await startEtcd({ name: 'roles' });
    const upstream = await startUpstream();
    const cp = await startEtcdNode({ endpoints: [etcd.endpoint], role: 'control_plane' });
    const dp = await startEtcdNode({ endpoints: [etcd.endpoint], role: 'data_plane', workers: 2 });
    try {
      // control_plane: the Admin API and no data plane listener.
      await assert.rejects(call(cp.ports.http, 'GET', '/'), { code: 'ECONNREFUSED' });
      assert.deepEqual((await revisionOf(cp)).workers, []);
      // data_plane: no Admin API; it reads etcd and serves.
      await assert.rejects(adminCall(dp, 'GET', '/routes'), { code: 'ECONNREFUSED' });
      const put = await adminCall(cp, 'PUT', '/routes/r1', routeTo(upstream.port, '/roles'));
      assert.equal(put.status, 201, put.body);
      const revision = Number(put.headers['x-gatehouse-revision']);
      await waitApplied(dp, revision);
      for (let i = 0; i < 4; i++) {
        assert.equal((await call(dp.ports.http, 'GET', '/roles')).status, 200);
      }
      assert.equal((await adminCall(cp, 'DELETE', '/routes/r1')).status, 200);
      await waitUntil(
        async () => (await call(dp.ports.http, 'GET', '/roles')).status === 404,
        'the data plane to drop the deleted route',
      );
    } finally {
      assert.equal(await cp.stop(), 0);
      assert.equal(await dp.stop(), 0);
      upstream.server.close();
    }
  });
});
