import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { etcdSuite, startEtcd } from '../support/etcd.js';
import {
  adminCall,
  call,
  revisionOf,
  routeTo,
  startEtcdNode,
  waitApplied,
  waitUntil,
  type EtcdNode,
} from '../support/gatehouse-node.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTraffic } from '../support/traffic.js';
import { startUpstream } from './helpers.js';

interface Ready {
  status: string;
  config?: string;
  stale_since?: string;
  stale_reason?: string;
}

async function ready(node: EtcdNode): Promise<{ status: number; body: Ready }> {
  const res = await call(node.ports.status, 'GET', '/status/ready');
  return { status: res.status, body: JSON.parse(res.body) as Ready };
}

function snapshotRevision(node: EtcdNode): number {
  try {
    const file = path.join(node.dir, 'data', 'etcd-snapshot.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { revision: number }).revision;
  } catch {
    return 0;
  }
}

/** An Admin write retried until etcd takes it (after a restart the client reconnects first). */
async function writeWhenUp(node: EtcdNode, method: string, urlPath: string, body?: unknown) {
  let last = '';
  for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
    const res = await adminCall(node, method, urlPath, body);
    if (res.status < 500) return res;
    last = res.body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${method} ${urlPath} never succeeded: ${last}`);
}

etcdSuite('a node while etcd is away', () => {
  void test('serves through an etcd outage and a restart, then converges to what another node wrote meanwhile', async () => {
    const etcd = await startEtcd({ name: 'outage' });
    const upstream = await startUpstream();
    // Node A reaches etcd through a proxy the test can cut; node B reaches it directly.
    const viaProxy = await TcpProxy.start(etcd.endpoint);
    let a = await startEtcdNode({ endpoints: [viaProxy.endpoint], workers: 2 });
    const b = await startEtcdNode({ endpoints: [etcd.endpoint], workers: 1 });
    try {
      const put = await adminCall(
        a,
        'PUT',
        '/routes/r1?wait_applied=5',
        routeTo(upstream.port, '/r1'),
      );
      assert.equal(put.status, 201, put.body);
      const r1Revision = Number(put.headers['x-gatehouse-revision']);
      await waitApplied(b, r1Revision);
      await waitUntil(() => snapshotRevision(a) >= r1Revision, 'the snapshot to hold r1');
      assert.deepEqual((await ready(a)).body, { status: 'ok' });

      // 1. All of etcd stops: traffic on both nodes goes on with zero errors.
      const trafficA = startTraffic(a.ports.http, '/r1');
      const trafficB = startTraffic(b.ports.http, '/r1');
      const stoppedAt = Date.now();
      await etcd.stop();
      await waitUntil(async () => (await ready(a)).body.config === 'stale', 'A to report stale');
      const stale = await ready(a);
      assert.equal(stale.status, 200, 'readiness is not withdrawn');
      assert.equal(stale.body.status, 'ok');
      const since = Date.parse(stale.body.stale_since ?? '');
      assert.ok(
        since >= stoppedAt - 1000 && since <= Date.now(),
        `stale_since ${stale.body.stale_since}`,
      );
      assert.match(stale.body.stale_reason ?? '', /etcd/);
      const view = await revisionOf(a);
      assert.equal(view.config, 'stale');
      assert.equal(view.stale_since, stale.body.stale_since);
      assert.equal(view.revision, r1Revision);

      // The Admin API: writes and reads answer 503 naming etcd.
      const refused = await adminCall(a, 'PUT', '/routes/r9', routeTo(upstream.port, '/r9'));
      assert.equal(refused.status, 503);
      assert.match(
        (JSON.parse(refused.body) as { error_msg: string }).error_msg,
        /^etcd \(.*\) is unavailable/,
      );
      const read = await adminCall(a, 'GET', '/routes/r1');
      assert.equal(read.status, 503);
      assert.match((JSON.parse(read.body) as { error_msg: string }).error_msg, /etcd/);

      // Traffic goes on through the outage: 20 more answers on each node from here, however
      // long a slow machine takes to give them, and not one failure meanwhile.
      const [okA, okB] = [trafficA.snapshot().ok, trafficB.snapshot().ok];
      await waitUntil(
        () => trafficA.snapshot().ok > okA + 20 && trafficB.snapshot().ok > okB + 20,
        '20 more answers on each node',
      );
      for (const traffic of [await trafficA.stop(), await trafficB.stop()]) {
        assert.deepEqual(traffic.failures, []);
      }

      // 2. Node A restarts while etcd is still down: it serves from its snapshot.
      assert.equal(await a.stop(), 0);
      a = await startEtcdNode({ endpoints: [viaProxy.endpoint], reuse: a });
      assert.match(a.output(), /serving the last-known-good snapshot/);
      for (let i = 0; i < 4; i++)
        assert.equal((await call(a.ports.http, 'GET', '/r1')).status, 200);
      assert.equal((await ready(a)).body.config, 'stale');
      assert.equal((await revisionOf(a)).revision, r1Revision);

      // 3. etcd comes back, but not for A yet; node B changes the config meanwhile.
      viaProxy.cut();
      await etcd.start();
      await writeWhenUp(b, 'PUT', '/routes/r2', routeTo(upstream.port, '/r2'));
      const del = await writeWhenUp(b, 'DELETE', '/routes/r1?wait_applied=5');
      assert.equal(del.status, 200, del.body);
      const finalRevision = Number(del.headers['x-gatehouse-revision']);
      assert.equal(
        (await call(a.ports.http, 'GET', '/r1')).status,
        200,
        'A still serves what it had',
      );

      // 4. A reaches etcd again and converges on its own.
      viaProxy.restore();
      await waitApplied(a, finalRevision, 30_000);
      assert.equal((await call(a.ports.http, 'GET', '/r1')).status, 404);
      assert.equal((await call(a.ports.http, 'GET', '/r2')).status, 200);
      await waitUntil(async () => (await ready(a)).body.config === undefined, 'A to report synced');
      assert.deepEqual((await ready(a)).body, { status: 'ok' });
      assert.equal((await revisionOf(a)).config, 'synced');
      await waitUntil(() => snapshotRevision(a) >= finalRevision, 'the snapshot to catch up');
    } finally {
      await a.stop();
      await b.stop();
      await viaProxy.close();
      upstream.server.close();
    }
  });

  void test('without etcd and without a snapshot, start-up fails with one line after startup_retry attempts', async () => {
    const etcd = await startEtcd({ name: 'never' });
    await etcd.stop();
    const node = await startEtcdNode({ endpoints: [etcd.endpoint], startupRetry: 3, noWait: true });
    assert.equal(await node.exited, 1);
    const lines = node.output().trim().split('\n');
    assert.equal(lines.length, 1, node.output());
    assert.match(
      lines[0] ?? '',
      /^gatehouse: etcd \(http:\/\/127\.0\.0\.1:\d+\) is unavailable: .* \(3 attempts, no last-known-good snapshot at .*etcd-snapshot\.json\)$/,
    );
  });
});
