/**
 * The reading half of the ConfigStore contract, for every backend including the read-only one
 * (yaml, standalone mode): each test opens a store that already holds its items, so no test
 * writes. The writable backends run it too, seeded with put(), so that all three are held to
 * the same reads.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import { isGatehouseError } from '../../src/core/errors.js';
import type { ConfigStore } from '../../src/store/types.js';
import { WatchRecorder } from './watch-recorder.js';

/** One resource: key `<prefix>/<dir>/<id>`, value its JSON (holding the id, as APISIX stores it). */
export interface Seed {
  dir: string;
  id: string;
  value: Record<string, unknown>;
}

/** Opens a store holding exactly `items` under `prefix` (e.g. `/c1a2b3c4d`). */
export type OpenSeeded = (prefix: string, items: readonly Seed[]) => Promise<ConfigStore>;

const seed = (dir: string, id: string): Seed => ({ dir, id, value: { id, desc: `${dir} ${id}` } });

export function readableStoreContract(name: string, openSeeded: OpenSeeded): void {
  void describe(`${name} store: ConfigStore contract, reads`, () => {
    const opened: ConfigStore[] = [];
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });
    /** A store seeded under a fresh prefix; closed after the test. */
    const open = async (items: readonly Seed[]) => {
      const p = `/c${randomBytes(4).toString('hex')}`;
      const store = await openSeeded(p, items);
      opened.push(store);
      const keys = async (prefix: string) =>
        (await store.range(p + prefix)).items.map((kv) => kv.key.slice(p.length + 1));
      return { store, p, keys };
    };

    void test('range returns the keys under a prefix in UTF-8 byte order, as etcd does', async () => {
      const ids = ['2', '10', '1', '\u{1F600}', '\uFFFD'];
      const { keys } = await open(ids.map((id) => seed('routes', id)));
      assert.deepEqual(
        await keys('/routes/'),
        ['1', '10', '2', '\uFFFD', '\u{1F600}'].map((id) => `routes/${id}`),
      );
    });

    void test('range includes exactly the keys that start with the prefix', async () => {
      const { keys } = await open([
        seed('routes', '1'),
        seed('services', '1'),
        seed('stream_routes', '1'),
        seed('upstreams', '1'),
      ]);
      assert.deepEqual(await keys('/routes/'), ['routes/1']);
      assert.deepEqual(await keys('/s'), ['services/1', 'stream_routes/1']);
      assert.deepEqual(await keys('/nothing/'), []);
    });

    void test('get and range agree on every value and revision; a missing key is undefined', async () => {
      const items = [seed('routes', '1'), seed('routes', '2'), seed('upstreams', 'u')];
      const { store, p } = await open(items);
      const { items: read, revision } = await store.range(p + '/');
      assert.equal(read.length, items.length);
      for (const kv of read) {
        assert.deepEqual(await store.get(kv.key), kv);
        const item = items.find((s) => kv.key === `${p}/${s.dir}/${s.id}`);
        assert.deepEqual(JSON.parse(kv.value), item?.value);
        assert.ok(kv.createRevision > 0 && kv.createRevision <= kv.modRevision);
        assert.ok(kv.modRevision <= revision, 'no value is newer than the read');
        assert.equal(kv.lease, 0);
      }
      assert.ok(revision <= (await store.revision()));
      assert.equal(await store.get(`${p}/routes/missing`), undefined);
    });

    void test('a watch from the oldest key replays a put of every key, with its value', async () => {
      const items = [seed('routes', '1'), seed('services', 's')];
      const { store, p } = await open(items);
      const current = new Map((await store.range(p + '/')).items.map((kv) => [kv.key, kv]));
      const from = Math.min(...[...current.values()].map((kv) => kv.createRevision));
      const rec = new WatchRecorder();
      const w = store.watch(p + '/', from, rec.onBatch);
      await rec.waitForEvents(items.length);
      w.cancel();
      const last = new Map<string, string>();
      for (const e of rec.events()) if (e.type === 'put') last.set(e.kv.key, e.kv.value);
      assert.deepEqual(
        [...last.entries()].sort(),
        [...current.values()].map((kv) => [kv.key, kv.value]).sort(),
      );
    });

    void test('reads on a closed store fail with GH_ERR_STORE_CLOSED; a watch gets an error batch', async () => {
      const { store, p } = await open([seed('routes', '1')]);
      await store.close();
      const closed = (err: unknown) => isGatehouseError(err, 'GH_ERR_STORE_CLOSED');
      await assert.rejects(store.get(`${p}/routes/1`), closed);
      await assert.rejects(store.range(p), closed);
      const rec = new WatchRecorder();
      store.watch(p, 1, rec.onBatch);
      await rec.waitFor('an error batch', (r) => r.batches.length > 0);
      assert.deepEqual(
        rec.batches.map((b) => b.kind),
        ['error'],
      );
    });
  });
}

/** OpenSeeded for a writable store: the items written with put(), one by one. */
export function seededBy(open: () => Promise<ConfigStore>): OpenSeeded {
  return async (prefix, items) => {
    const store = await open();
    for (const s of items) {
      await store.put(`${prefix}/${s.dir}/${s.id}`, JSON.stringify(s.value));
    }
    return store;
  };
}
