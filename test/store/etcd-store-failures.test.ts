import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { isGatehouseError } from '../../src/core/errors.js';
import { EtcdStore, type EtcdStoreOptions } from '../../src/store/etcd/etcd-store.js';
import { eventKey, WatchRecorder } from '../contract/watch-recorder.js';
import { etcdctl, etcdSuite, startEtcd, type EtcdMember } from '../support/etcd.js';
import { freePort } from '../support/free-port.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const fresh = () => `/t/${randomBytes(4).toString('hex')}/`;

function unavailable(hosts: string[]) {
  return (err: unknown) => {
    assert.ok(isGatehouseError(err, 'GH_ERR_STORE_UNAVAILABLE'), String(err));
    assert.match(err.message, /^etcd \(/);
    for (const h of hosts) assert.ok(err.message.includes(h), err.message);
    return true;
  };
}

etcdSuite('etcd store: endpoints, auth and failures', () => {
  let etcd: EtcdMember;
  const stores: EtcdStore[] = [];
  const open = async (opts: Partial<EtcdStoreOptions> = {}) => {
    const store = await EtcdStore.open({ hosts: [etcd.endpoint], timeoutSeconds: 2, ...opts });
    stores.push(store);
    return store;
  };
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  void test('with several endpoints and one of them dead, every call goes to the live one', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const store = await open({ hosts: [dead, etcd.endpoint] });
    const p = fresh();
    const rec = new WatchRecorder();
    store.watch(p, (await store.revision()) + 1, rec.onBatch);
    for (let i = 0; i < 20; i++) await store.put(`${p}${i}`, String(i));
    assert.equal((await store.range(p)).items.length, 20);
    await rec.waitForEvents(20);
  });

  void test('an unreachable etcd fails open() with GH_ERR_STORE_UNAVAILABLE naming etcd and the endpoints', async () => {
    const hosts = [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`];
    const started = Date.now();
    await assert.rejects(EtcdStore.open({ hosts, timeoutSeconds: 1 }), unavailable(hosts));
    // Far below the 30 s default: the configured 1 s bound the call (no tight figure: CI is shared).
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });

  void test('a frozen etcd fails calls within the configured timeout, and they work again once it thaws', async () => {
    const own = await startEtcd({ name: 'frozen' });
    const store = await EtcdStore.open({ hosts: [own.endpoint], timeoutSeconds: 1 });
    stores.push(store);
    await store.put('/k', '1');
    own.pause();
    try {
      const started = Date.now();
      await assert.rejects(store.put('/k', '2'), unavailable([own.endpoint]));
      const took = Date.now() - started;
      assert.ok(took < 10_000, `a call to a frozen etcd took ${took} ms with timeout 1 s`);
    } finally {
      own.resume();
    }
    await waitUntilResolves(() => store.put('/k', '3'), 5000);
    assert.equal((await store.get('/k'))?.value, '3');
  });

  void test('a stopped etcd fails calls at once; after a restart the store works again without reopening', async () => {
    const own = await startEtcd({ name: 'restarted' });
    const store = await EtcdStore.open({ hosts: [own.endpoint], timeoutSeconds: 1 });
    stores.push(store);
    await own.stop();
    const started = Date.now();
    await assert.rejects(store.range('/'), unavailable([own.endpoint]));
    assert.ok(Date.now() - started < 10_000);
    await own.start();
    await waitUntilResolves(() => store.put('/back', '1'), 5000);
  });

  void test('a watch resumes after an etcd restart without losing or repeating an event', async () => {
    const own = await startEtcd({ name: 'watched' });
    const writer = await EtcdStore.open({ hosts: [own.endpoint], timeoutSeconds: 2 });
    const watcher = await EtcdStore.open({ hosts: [own.endpoint], timeoutSeconds: 2 });
    stores.push(writer, watcher);
    const from = (await writer.revision()) + 1;
    const rec = new WatchRecorder();
    watcher.watch('/w/', from, rec.onBatch);
    const acked: number[] = [];
    for (let i = 0; i < 30; i++) acked.push((await writer.put(`/w/${i % 5}`, String(i))).revision);
    await own.stop(); // SIGKILL: the watch stream breaks without a goodbye
    await own.start();
    for (let i = 30; i < 60; i++) {
      acked.push(
        (await waitUntilResolves(() => writer.put(`/w/${i % 5}`, String(i)), 5000)).revision,
      );
    }
    await rec.waitForEvents(60, 10_000);
    assert.deepEqual(
      rec.events().map((e) => e.revision),
      acked,
    );
    assert.ok(rec.batches.every((b) => b.kind === 'events'));
  });

  void test('a watch that comes back after etcd compacted past it gets compacted with the compact revision', async () => {
    const proxy = await TcpProxy.start(etcd.endpoint);
    after(() => proxy.close());
    const writer = await open();
    const watcher = await open({ hosts: [proxy.endpoint] });
    const p = fresh();
    const rec = new WatchRecorder();
    watcher.watch(p, (await writer.revision()) + 1, rec.onBatch);
    await writer.put(`${p}a`, '1');
    await rec.waitForEvents(1);
    proxy.cut(); // this node loses etcd; the cluster goes on without it
    await writer.put(`${p}a`, '2');
    const last = await writer.put(`${p}a`, '3');
    await writer.compact(last.revision);
    proxy.restore();
    await rec.waitFor('a compacted batch', (r) => r.batches.length > 1, 10_000);
    assert.deepEqual(rec.batches.slice(1), [{ kind: 'compacted', compactRevision: last.revision }]);
    assert.deepEqual(
      rec.events().map((e) => eventKey(e)),
      [`${p}a`],
    );
  });

  void test('user and password: the store authenticates, and a wrong password is GH_ERR_STORE_UNAVAILABLE', async () => {
    const own = await startEtcd({ name: 'auth' });
    await etcdctl([own.endpoint], ['user', 'add', 'root:s3cret', '--interactive=false']);
    await etcdctl([own.endpoint], ['auth', 'enable']);
    const store = await EtcdStore.open({
      hosts: [own.endpoint],
      timeoutSeconds: 2,
      user: 'root',
      password: 's3cret',
    });
    stores.push(store);
    const rec = new WatchRecorder();
    store.watch('/apisix/', (await store.revision()) + 1, rec.onBatch);
    await store.put('/apisix/routes/1', '{"uri":"/a"}');
    await rec.waitForEvents(1);
    await assert.rejects(
      EtcdStore.open({ hosts: [own.endpoint], timeoutSeconds: 2, user: 'root', password: 'no' }),
      unavailable([own.endpoint]),
    );
    await assert.rejects(
      EtcdStore.open({ hosts: [own.endpoint], timeoutSeconds: 2 }),
      unavailable([own.endpoint]),
    );
  });
});

/** Retries `op` until it resolves (etcd coming back); rethrows its last error after `timeoutMs`. */
async function waitUntilResolves<T>(op: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
