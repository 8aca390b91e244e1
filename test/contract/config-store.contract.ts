import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { isGatehouseError } from '../../src/core/errors.js';
import type { ConfigStore } from '../../src/store/types.js';
import { eventKey, sleep, waitUntil, WatchRecorder } from './watch-recorder.js';

/**
 * The behaviour every writable ConfigStore backend shares (etcd v3 semantics). A backend's test
 * file runs it with a function that opens a fresh, empty store. Keys live under a random prefix
 * per test, so a backend whose store is shared (etcd) can run it too; nothing here assumes
 * absolute revision numbers.
 *
 * @example configStoreContract('embedded', async () => EmbeddedStore.open({ file: tmpFile() }));
 */
export function configStoreContract(name: string, open: () => Promise<ConfigStore>): void {
  void describe(`${name} store: ConfigStore contract`, () => {
    let store: ConfigStore;
    let p: string;
    beforeEach(async () => {
      store = await open();
      p = `/contract/${randomBytes(4).toString('hex')}/`;
    });
    afterEach(async () => {
      await store.close();
    });

    const rejectsWith = (promise: Promise<unknown>, code: string) =>
      assert.rejects(promise, (err) => isGatehouseError(err) && err.code === code);

    void describe('range and get', () => {
      void test('range returns the keys under a prefix in byte order, as etcd does', async () => {
        // JS string order would put U+1F600 before U+FFFD; UTF-8 byte order puts it after.
        for (const k of [
          'routes/2',
          'routes/10',
          'routes/1',
          'routes/\u{1F600}',
          'routes/\uFFFD',
        ]) {
          await store.put(p + k, '{}');
        }
        const { items } = await store.range(p + 'routes/');
        const keys = items.map((kv) => kv.key.slice(p.length));
        assert.deepEqual(keys, [
          'routes/1',
          'routes/10',
          'routes/2',
          'routes/\uFFFD',
          'routes/\u{1F600}',
        ]);
      });

      void test('range includes exactly the keys that start with the prefix', async () => {
        for (const k of ['routes', 'routes/1', 'routes0', 'routes_x', 'route', 'services/1']) {
          await store.put(p + k, '{}');
        }
        const keys = async (prefix: string) =>
          (await store.range(p + prefix)).items.map((kv) => kv.key.slice(p.length));
        assert.deepEqual(await keys('routes/'), ['routes/1']);
        assert.deepEqual(await keys('routes'), ['routes', 'routes/1', 'routes0', 'routes_x']);
        assert.deepEqual(await keys('nothing/'), []);
      });

      void test('range reports the revision it read at', async () => {
        const { revision } = await store.put(p + 'a', '1');
        assert.equal((await store.range(p)).revision, revision);
        assert.equal((await store.range(p + 'none/')).revision, revision);
      });

      void test('get returns the stored value with its revisions, and undefined for a missing key', async () => {
        const { revision } = await store.put(p + 'k', 'init_dir');
        assert.deepEqual(await store.get(p + 'k'), {
          key: p + 'k',
          value: 'init_dir',
          createRevision: revision,
          modRevision: revision,
          lease: 0,
        });
        assert.equal(await store.get(p + 'missing'), undefined);
      });

      void test('values are stored exactly as given', async () => {
        const value = '{"name":"r\u00e9sum\u00e9 \u{1F600}","n":1.50,"s":"a\\u0000b"}\n';
        await store.put(p + 'v', value);
        assert.equal((await store.get(p + 'v'))?.value, value);
        await store.put(p + 'empty', '');
        assert.equal((await store.get(p + 'empty'))?.value, '');
      });
    });

    void describe('put', () => {
      void test('a put bumps the revision by exactly one and sets both key revisions to it', async () => {
        const before = await store.revision();
        const { revision, prev } = await store.put(p + 'a', '1');
        assert.equal(revision, before + 1);
        assert.equal(prev, undefined);
        const kv = await store.get(p + 'a');
        assert.equal(kv?.createRevision, revision);
        assert.equal(kv?.modRevision, revision);
        assert.equal(await store.revision(), revision);
      });

      void test('replacing a key keeps its createRevision, moves its modRevision and returns prev', async () => {
        const first = await store.put(p + 'a', '1');
        const second = await store.put(p + 'a', '2');
        assert.equal(second.revision, first.revision + 1);
        assert.equal(second.prev?.value, '1');
        assert.equal(second.prev?.modRevision, first.revision);
        const kv = await store.get(p + 'a');
        assert.equal(kv?.value, '2');
        assert.equal(kv?.createRevision, first.revision);
        assert.equal(kv?.modRevision, second.revision);
      });

      void test('a put with ifModRevision equal to the key mod revision succeeds', async () => {
        const first = await store.put(p + 'a', '1');
        const second = await store.put(p + 'a', '2', { ifModRevision: first.revision });
        assert.equal((await store.get(p + 'a'))?.modRevision, second.revision);
      });

      void test('a put with a stale ifModRevision fails with GH_ERR_STORE_CONFLICT and changes nothing', async () => {
        const first = await store.put(p + 'a', '1');
        await store.put(p + 'a', '2');
        const revision = await store.revision();
        await rejectsWith(
          store.put(p + 'a', '3', { ifModRevision: first.revision }),
          'GH_ERR_STORE_CONFLICT',
        );
        assert.equal((await store.get(p + 'a'))?.value, '2');
        assert.equal(await store.revision(), revision);
      });

      void test('ifModRevision 0 creates a missing key and refuses an existing one', async () => {
        await store.put(p + 'a', '1', { ifModRevision: 0 });
        assert.equal((await store.get(p + 'a'))?.value, '1');
        await rejectsWith(store.put(p + 'a', '2', { ifModRevision: 0 }), 'GH_ERR_STORE_CONFLICT');
        assert.equal((await store.get(p + 'a'))?.value, '1');
      });

      void test('a compare against a missing key fails unless it expects 0', async () => {
        await rejectsWith(
          store.put(p + 'nope', '1', { ifModRevision: 5 }),
          'GH_ERR_STORE_CONFLICT',
        );
        assert.equal(await store.get(p + 'nope'), undefined);
      });
    });

    void describe('delete', () => {
      void test('deleting an existing key bumps the revision by one and removes it', async () => {
        const put = await store.put(p + 'a', '1');
        const del = await store.delete(p + 'a');
        assert.deepEqual(del, { deleted: true, revision: put.revision + 1 });
        assert.equal(await store.get(p + 'a'), undefined);
        assert.equal(await store.revision(), put.revision + 1);
      });

      void test('deleting a missing key reports deleted false and does not bump the revision', async () => {
        const before = await store.revision();
        assert.deepEqual(await store.delete(p + 'missing'), { deleted: false, revision: before });
        assert.equal(await store.revision(), before);
      });

      void test('a delete with a stale ifModRevision fails with GH_ERR_STORE_CONFLICT and keeps the key', async () => {
        const first = await store.put(p + 'a', '1');
        await store.put(p + 'a', '2');
        await rejectsWith(
          store.delete(p + 'a', { ifModRevision: first.revision }),
          'GH_ERR_STORE_CONFLICT',
        );
        assert.equal((await store.get(p + 'a'))?.value, '2');
        const current = (await store.get(p + 'a'))?.modRevision;
        assert.equal((await store.delete(p + 'a', { ifModRevision: current })).deleted, true);
      });

      void test('a key created again after a delete gets a new createRevision', async () => {
        await store.put(p + 'a', '1');
        await store.delete(p + 'a');
        const again = await store.put(p + 'a', '2');
        assert.equal((await store.get(p + 'a'))?.createRevision, again.revision);
      });

      void test('deletePrefix deletes every key under the prefix as one revision', async () => {
        for (const k of ['c/1', 'c/1/credentials/x', 'c/2', 'c2', 'd/1'])
          await store.put(p + k, '{}');
        const before = await store.revision();
        const result = await store.deletePrefix(p + 'c/');
        assert.deepEqual(result, { deleted: true, revision: before + 1, count: 3 });
        const left = (await store.range(p)).items.map((kv) => kv.key.slice(p.length));
        assert.deepEqual(left, ['c2', 'd/1']);
      });

      void test('deletePrefix with nothing under the prefix does not bump the revision', async () => {
        await store.put(p + 'a', '1');
        const before = await store.revision();
        assert.deepEqual(await store.deletePrefix(p + 'b/'), {
          deleted: false,
          revision: before,
          count: 0,
        });
        assert.equal(await store.revision(), before);
      });
    });

    void describe('watch', () => {
      void test('a watch from a past revision replays history, then delivers live events', async () => {
        const r1 = await store.put(p + 'a', '1');
        await store.put(p + 'b', '2');
        await store.delete(p + 'a');
        const rec = new WatchRecorder();
        const w = store.watch(p, r1.revision, rec.onBatch);
        await rec.waitForEvents(3);
        const live = await store.put(p + 'c', '3');
        await rec.waitForEvents(4);
        w.cancel();
        assert.deepEqual(
          rec.events().map((e) => [e.type, eventKey(e).slice(p.length), e.revision]),
          [
            ['put', 'a', r1.revision],
            ['put', 'b', r1.revision + 1],
            ['delete', 'a', r1.revision + 2],
            ['put', 'c', live.revision],
          ],
        );
        const last = rec.events()[3];
        assert.equal(last?.type === 'put' && last.kv.value, '3');
      });

      void test('a put event carries the full key value; a delete event its revision', async () => {
        const from = (await store.revision()) + 1;
        const rec = new WatchRecorder();
        const w = store.watch(p, from, rec.onBatch);
        await store.put(p + 'a', '1');
        const second = await store.put(p + 'a', '2');
        const del = await store.delete(p + 'a');
        await rec.waitForEvents(3);
        w.cancel();
        const [, put2, delEvent] = rec.events();
        assert.deepEqual(put2, {
          type: 'put',
          revision: second.revision,
          kv: {
            key: p + 'a',
            value: '2',
            createRevision: from,
            modRevision: second.revision,
            lease: 0,
          },
        });
        assert.deepEqual(delEvent, {
          type: 'delete',
          key: p + 'a',
          modRevision: del.revision,
          revision: del.revision,
        });
      });

      void test('a watch only delivers keys under its prefix', async () => {
        const rec = new WatchRecorder();
        const w = store.watch(p + 'routes/', (await store.revision()) + 1, rec.onBatch);
        await store.put(p + 'services/1', '{}');
        await store.put(p + 'routes/1', '{}');
        await store.put(p + 'routes0', '{}');
        await store.put(p + 'routes/2', '{}');
        await rec.waitForEvents(2);
        await sleep(30);
        w.cancel();
        assert.deepEqual(
          rec.events().map((e) => eventKey(e).slice(p.length)),
          ['routes/1', 'routes/2'],
        );
      });

      void test('one batch holds one revision: a deletePrefix arrives as one batch of deletes', async () => {
        for (const k of ['c/1', 'c/2', 'c/3']) await store.put(p + k, '{}');
        const rec = new WatchRecorder();
        const w = store.watch(p, (await store.revision()) + 1, rec.onBatch);
        const { revision } = await store.deletePrefix(p + 'c/');
        await rec.waitForEvents(3);
        w.cancel();
        assert.equal(rec.batches.length, 1);
        const [batch] = rec.batches;
        assert.equal(batch?.kind, 'events');
        assert.equal(batch?.kind === 'events' && batch.revision, revision);
        assert.deepEqual(
          rec.events().map((e) => [e.type, eventKey(e).slice(p.length)]),
          [
            ['delete', 'c/1'],
            ['delete', 'c/2'],
            ['delete', 'c/3'],
          ],
        );
      });

      void test('events are never delivered inside the writer call stack', async () => {
        let writing = false;
        const seenWhileWriting: boolean[] = [];
        const w = store.watch(p, (await store.revision()) + 1, () =>
          seenWhileWriting.push(writing),
        );
        writing = true;
        const pending = store.put(p + 'a', '1');
        writing = false;
        await pending;
        await waitUntil('the event', () => seenWhileWriting.length === 1);
        w.cancel();
        assert.deepEqual(seenWhileWriting, [false]);
      });

      void test('many concurrent writes arrive in revision order, with no gap and no duplicate', async () => {
        const start = (await store.revision()) + 1;
        const rec = new WatchRecorder();
        const w = store.watch(p, start, rec.onBatch);
        const writes = Array.from({ length: 300 }, (_, i) => store.put(`${p}k${i % 7}`, String(i)));
        const results = await Promise.all(writes);
        await rec.waitForEvents(300);
        w.cancel();
        const revisions = rec.events().map((e) => e.revision);
        assert.deepEqual(
          revisions,
          Array.from({ length: 300 }, (_, i) => start + i),
        );
        const acknowledged = results.map((r) => r.revision).sort((a, b) => a - b);
        assert.deepEqual(acknowledged, revisions);
      });

      void test('a watch opened while writes continue sees every revision exactly once', async () => {
        for (let i = 0; i < 50; i++) await store.put(`${p}k${i}`, String(i));
        const from = (await store.revision()) - 40;
        const more = Array.from({ length: 50 }, (_, i) => store.put(`${p}m${i}`, String(i)));
        const rec = new WatchRecorder();
        const w = store.watch(p, from, rec.onBatch);
        more.push(...Array.from({ length: 50 }, (_, i) => store.put(`${p}n${i}`, String(i))));
        await Promise.all(more);
        const last = await store.revision();
        await rec.waitForEvents(last - from + 1);
        w.cancel();
        const revisions = rec.events().map((e) => e.revision);
        assert.deepEqual(
          revisions,
          Array.from({ length: last - from + 1 }, (_, i) => from + i),
        );
      });

      void test('cancel stops delivery at once, even of events already written', async () => {
        const rec = new WatchRecorder();
        const w = store.watch(p, (await store.revision()) + 1, rec.onBatch);
        const pending = store.put(p + 'a', '1');
        w.cancel();
        await pending;
        await store.put(p + 'b', '2');
        await sleep(50);
        assert.deepEqual(rec.batches, []);
      });

      void test('cancel from inside the callback stops the rest of the replay', async () => {
        const from = (await store.revision()) + 1;
        for (let i = 0; i < 5; i++) await store.put(`${p}k${i}`, String(i));
        let calls = 0;
        const w = store.watch(p, from, () => {
          calls++;
          w.cancel();
        });
        // A remote store may take a while to start the watch: wait for the first call, then
        // give the rest of the replay time to (wrongly) arrive.
        await waitUntil('the first replayed batch', () => calls >= 1);
        await sleep(50);
        assert.equal(calls, 1);
      });

      void test('a watch from a start revision in the future waits for it', async () => {
        const now = await store.revision();
        const rec = new WatchRecorder();
        const w = store.watch(p, now + 2, rec.onBatch);
        await store.put(p + 'a', '1');
        const second = await store.put(p + 'b', '2');
        await rec.waitForEvents(1);
        await sleep(20);
        w.cancel();
        assert.deepEqual(
          rec.events().map((e) => e.revision),
          [second.revision],
        );
      });
    });

    void describe('compaction', () => {
      void test('a watch from before the compacted revision gets one compacted batch and stops', async () => {
        const first = await store.put(p + 'a', '1');
        await store.put(p + 'a', '2');
        const third = await store.put(p + 'a', '3');
        await store.compact(third.revision);
        const rec = new WatchRecorder();
        store.watch(p, first.revision, rec.onBatch);
        await rec.waitFor('a compacted batch', (r) => r.batches.length > 0);
        await store.put(p + 'a', '4');
        await sleep(30);
        assert.deepEqual(rec.batches, [{ kind: 'compacted', compactRevision: third.revision }]);
      });

      void test('a watch from the compaction revision itself still replays from there', async () => {
        await store.put(p + 'a', '1');
        const second = await store.put(p + 'a', '2');
        await store.compact(second.revision);
        const rec = new WatchRecorder();
        const w = store.watch(p, second.revision, rec.onBatch);
        await rec.waitForEvents(1);
        w.cancel();
        assert.deepEqual(
          rec.events().map((e) => e.revision),
          [second.revision],
        );
      });

      void test('compaction keeps the current values readable', async () => {
        await store.put(p + 'a', '1');
        const last = await store.put(p + 'b', '2');
        await store.compact(last.revision);
        assert.deepEqual(
          (await store.range(p)).items.map((kv) => kv.value),
          ['1', '2'],
        );
      });
    });

    void describe('leases', () => {
      void test('a key whose lease expires is deleted, as a delete event at its own revision', async () => {
        const rec = new WatchRecorder();
        const w = store.watch(p, (await store.revision()) + 1, rec.onBatch);
        const put = await store.put(p + 'ttl', '1', { leaseTtlSeconds: 1 });
        const kept = await store.put(p + 'kept', '1');
        assert.notEqual((await store.get(p + 'ttl'))?.lease, 0);
        await rec.waitForEvents(3, 4000);
        w.cancel();
        assert.equal(await store.get(p + 'ttl'), undefined);
        assert.equal((await store.get(p + 'kept'))?.value, '1');
        const expiry = rec.events()[2];
        assert.equal(expiry?.type, 'delete');
        assert.equal(expiry && eventKey(expiry), p + 'ttl');
        assert.ok(expiry && expiry.revision > kept.revision && expiry.revision > put.revision);
        assert.equal(await store.revision(), expiry?.revision);
      });

      void test('putting a key again without a lease detaches it from the lease', async () => {
        await store.put(p + 'ttl', '1', { leaseTtlSeconds: 1 });
        await store.put(p + 'ttl', '2');
        assert.equal((await store.get(p + 'ttl'))?.lease, 0);
        await sleep(1500);
        assert.equal((await store.get(p + 'ttl'))?.value, '2');
      });
    });

    void describe('closing', () => {
      void test('closing the store ends open watches with an error batch', async () => {
        const rec = new WatchRecorder();
        store.watch(p, (await store.revision()) + 1, rec.onBatch);
        await store.close();
        await rec.waitFor('an error batch', (r) => r.batches.length > 0);
        assert.equal(rec.batches.length, 1);
        assert.equal(rec.batches[0]?.kind, 'error');
      });

      // Reads and watches on a closed store: the reading half (readable-store.contract.ts).
      void test('writes on a closed store fail with GH_ERR_STORE_CLOSED', async () => {
        await store.close();
        await rejectsWith(store.put(p + 'a', '1'), 'GH_ERR_STORE_CLOSED');
        await rejectsWith(store.delete(p + 'a'), 'GH_ERR_STORE_CLOSED');
        await rejectsWith(store.deletePrefix(p), 'GH_ERR_STORE_CLOSED');
      });
    });
  });
}
