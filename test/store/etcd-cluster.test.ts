import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { EtcdStore } from '../../src/store/etcd/etcd-store.js';
import { WatchRecorder } from '../contract/watch-recorder.js';
import { etcdSuite, startEtcdCluster, type EtcdCluster } from '../support/etcd.js';

etcdSuite('etcd store on a 3-member cluster', () => {
  let cluster: EtcdCluster;
  before(async () => {
    cluster = await startEtcdCluster(3);
  });

  void test('writes go on after the leader is killed, and no acknowledged write is lost', async () => {
    const store = await EtcdStore.open({ hosts: cluster.endpoints, timeoutSeconds: 2 });
    try {
      const rec = new WatchRecorder();
      store.watch('/apisix/', (await store.revision()) + 1, rec.onBatch);
      const acked: number[] = [];
      const write = async (i: number) => {
        // A write in flight when the leader dies fails; the caller (the Admin API's client)
        // retries it, as it would any 503. Puts are idempotent here, so a retry is harmless.
        const deadline = Date.now() + 5000;
        for (;;) {
          try {
            acked.push((await store.put(`/apisix/routes/${i}`, String(i))).revision);
            return;
          } catch (err) {
            if (Date.now() > deadline) throw err;
          }
        }
      };
      for (let i = 0; i < 20; i++) await write(i);
      const leader = await cluster.leader();
      await leader.stop();
      for (let i = 20; i < 40; i++) await write(i);
      const { items } = await store.range('/apisix/routes/');
      assert.equal(items.length, 40);
      await rec.waitForEvents(acked.length, 10_000);
      const delivered = rec.events().map((e) => e.revision);
      for (const r of acked) assert.ok(delivered.includes(r), `revision ${r} not delivered`);
      assert.deepEqual(
        delivered,
        [...new Set(delivered)].sort((a, b) => a - b),
      );
      assert.notEqual((await cluster.leader()).name, leader.name);
    } finally {
      await store.close();
    }
  });
});
