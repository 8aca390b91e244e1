import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { EtcdStore } from '../../src/store/etcd/etcd-store.js';
import { WatchRecorder } from '../contract/watch-recorder.js';
import { etcdSuite, startEtcd, type EtcdMember } from '../support/etcd.js';

/**
 * The point of the etcd backend: one watch stream per node, however many watches it opens
 * (APISIX before 3.4 held one per resource per worker: apache/apisix#6902). Counted on etcd's
 * side, from its Prometheus metrics, on an etcd nothing else uses.
 */
etcdSuite('etcd store: one watch stream per store', () => {
  let etcd: EtcdMember;
  before(async () => {
    etcd = await startEtcd({ name: 'streams' });
  });

  async function metric(name: string): Promise<number> {
    const text = await (await fetch(`${etcd.endpoint}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(name + ' '));
    assert.ok(line, `etcd /metrics has no ${name}`);
    return Number(line.slice(name.length + 1));
  }
  const startedWatchStreams = () =>
    metric(
      'grpc_server_started_total{grpc_method="Watch",grpc_service="etcdserverpb.Watch",grpc_type="bidi_stream"}',
    );

  /** Opens `n` watches on distinct prefixes and waits until each has seen a write (attached). */
  async function watchMany(store: EtcdStore, tag: string, n: number) {
    const recs = Array.from({ length: n }, () => new WatchRecorder());
    const from = (await store.revision()) + 1;
    const watches = recs.map((rec, i) => store.watch(`/${tag}/${i}/`, from, rec.onBatch));
    for (let i = 0; i < n; i++) await store.put(`/${tag}/${i}/k`, '1');
    for (const rec of recs) await rec.waitForEvents(1);
    return watches;
  }

  void test('25 watches on one store share one gRPC watch stream; a second store adds one more', async () => {
    const before = await startedWatchStreams();
    const first = await EtcdStore.open({ hosts: [etcd.endpoint], timeoutSeconds: 2 });
    const second = await EtcdStore.open({ hosts: [etcd.endpoint], timeoutSeconds: 2 });
    try {
      await watchMany(first, 'a', 25);
      assert.equal(await metric('etcd_debugging_mvcc_watch_stream_total'), 1);
      assert.equal(await metric('etcd_debugging_mvcc_watcher_total'), 25);
      assert.equal((await startedWatchStreams()) - before, 1);

      // The control: the same counters do see a second stream when there is one.
      await watchMany(second, 'b', 5);
      assert.equal(await metric('etcd_debugging_mvcc_watch_stream_total'), 2);
      assert.equal(await metric('etcd_debugging_mvcc_watcher_total'), 30);
      assert.equal((await startedWatchStreams()) - before, 2);
    } finally {
      await first.close();
      await second.close();
    }
    const deadline = Date.now() + 5000;
    while ((await metric('etcd_debugging_mvcc_watch_stream_total')) !== 0) {
      assert.ok(Date.now() < deadline, 'closing the stores did not end their watch streams');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  void test('cancelling every watch and watching again reuses one stream at a time', async () => {
    const store = await EtcdStore.open({ hosts: [etcd.endpoint], timeoutSeconds: 2 });
    try {
      const watches = await watchMany(store, 'c', 10);
      for (const w of watches) w.cancel();
      await watchMany(store, 'd', 10);
      assert.equal(await metric('etcd_debugging_mvcc_watch_stream_total'), 1);
      assert.equal(await metric('etcd_debugging_mvcc_watcher_total'), 10);
    } finally {
      await store.close();
    }
  });
});
