import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EtcdStore } from '../../src/store/etcd/etcd-store.js';
import { etcdSuite, startEtcd, startEtcdCluster } from '../support/etcd.js';
import {
  adminCall,
  call,
  revisionOf,
  routeTo,
  startEtcdNode,
  waitApplied,
  waitUntil,
} from '../support/gatehouse-node.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTraffic } from '../support/traffic.js';
import { startUpstream } from './helpers.js';

etcdSuite('etcd failures under load', () => {
  void test('killing the etcd leader while writing and serving: every request answered, writes resume, no acknowledged write lost', async (t) => {
    const cluster = await startEtcdCluster(3);
    const upstream = await startUpstream();
    const node = await startEtcdNode({ endpoints: cluster.endpoints, workers: 2 });
    try {
      const put = await adminCall(
        node,
        'PUT',
        '/routes/r?wait_applied=5',
        routeTo(upstream.port, '/r'),
      );
      assert.equal(put.status, 201, put.body);
      const traffic = startTraffic(node.ports.http, '/r');

      const acked: string[] = [];
      let ackedAfterKill = 0;
      let killed = false;
      let refused = 0;
      const writer = (async () => {
        for (let i = 0; ackedAfterKill < 30; i++) {
          const id = `u${i}`;
          const res = await adminCall(node, 'PUT', `/upstreams/${id}`, {
            nodes: { '127.0.0.1:1': 1 },
          });
          if (res.status === 201 || res.status === 200) {
            acked.push(id);
            if (killed) ackedAfterKill++;
          } else {
            assert.equal(res.status, 503, res.body); // etcd electing: refused, not acknowledged
            refused++;
          }
        }
      })();
      await waitUntil(() => acked.length >= 30, '30 writes before the kill');
      const leader = await cluster.leader();
      await leader.stop();
      killed = true;
      await writer;
      const served = await traffic.stop();
      assert.deepEqual(served.failures, [], 'the data plane answered every request');
      assert.ok(served.ok > 20, `only ${served.ok} requests`);

      const survivors = cluster.members.filter((m) => m.running).map((m) => m.endpoint);
      const store = await EtcdStore.open({ hosts: survivors, timeoutSeconds: 5 });
      try {
        const { items, revision } = await store.range('/apisix/upstreams/');
        const stored = new Set(items.map((kv) => kv.key.slice('/apisix/upstreams/'.length)));
        const lost = acked.filter((id) => !stored.has(id));
        assert.deepEqual(lost, [], 'acknowledged writes missing from etcd');
        await waitApplied(node, revision);
      } finally {
        await store.close();
      }
      t.diagnostic(
        `leader kill: ${acked.length} writes acknowledged (${ackedAfterKill} after the kill), ${refused} refused with 503, ${served.ok} requests served`,
      );
    } finally {
      assert.equal(await node.stop(), 0);
      upstream.server.close();
    }
  });

  void test('compacting etcd past the node while changes are made: the node converges with no more events than changes', async (t) => {
    const etcd = await startEtcd({ name: 'compaction' });
    const upstream = await startUpstream();
    const viaProxy = await TcpProxy.start(etcd.endpoint);
    const node = await startEtcdNode({ endpoints: [viaProxy.endpoint], workers: 2 });
    const writer = await EtcdStore.open({ hosts: [etcd.endpoint], timeoutSeconds: 5 });
    const route = (k: number, v: number) =>
      JSON.stringify({
        id: `c${k}`,
        uri: `/c${k}`,
        desc: `v${v}`,
        ...routeTo(upstream.port, `/c${k}`),
      });
    try {
      let changes = 0;
      for (let k = 0; k < 10; k++) await writer.put(`/apisix/routes/c${k}`, route(k, 0));
      await waitApplied(node, await writer.revision());
      const before = await revisionOf(node);

      // Away from etcd while 60 changes are made and the history is compacted away.
      viaProxy.cut();
      for (let v = 1; v <= 50; v++) {
        await writer.put(`/apisix/routes/c${v % 10}`, route(v % 10, v));
        changes++;
      }
      for (let k = 0; k < 5; k++) {
        await writer.delete(`/apisix/routes/c${k}`);
        changes++;
      }
      for (let k = 10; k < 15; k++) {
        await writer.put(`/apisix/routes/c${k}`, route(k, 0));
        changes++;
      }
      await writer.compact(await writer.revision());

      // Back, while changes keep coming.
      viaProxy.restore();
      for (let v = 51; v <= 80; v++) {
        await writer.put(`/apisix/routes/c${5 + (v % 10)}`, route(5 + (v % 10), v));
        changes++;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const { items, revision } = await writer.range('/apisix/');
      await waitApplied(node, revision);

      const after = await revisionOf(node);
      assert.equal(after.revision, revision);
      assert.equal(after.config, 'synced');
      assert.ok(after.resyncs > before.resyncs, 'the compacted watch was healed by a re-read');
      const applied = after.events - before.events;
      assert.ok(applied <= changes, `${applied} events applied for ${changes} changes`);
      const dumped = JSON.parse((await call(node.ports.control, 'GET', '/v1/routes')).body) as {
        key: string;
        modifiedIndex: number;
      }[];
      assert.deepEqual(
        dumped.map((d) => [d.key, d.modifiedIndex]).sort(),
        items
          .filter((kv) => kv.key.startsWith('/apisix/routes/'))
          .map((kv) => [kv.key, kv.modRevision])
          .sort(),
      );
      assert.equal((await call(node.ports.http, 'GET', '/c0')).status, 404);
      assert.equal((await call(node.ports.http, 'GET', '/c12')).status, 200);
      t.diagnostic(`compaction: ${changes} changes, ${applied} events applied`);
    } finally {
      await writer.close();
      assert.equal(await node.stop(), 0);
      await viaProxy.close();
      upstream.server.close();
    }
  });
});
