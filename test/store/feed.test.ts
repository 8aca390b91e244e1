import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/logger.js';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js';
import { ConfigFeed, type FeedUpdate } from '../../src/store/feed.js';
import type { ConfigStore, WatchBatch } from '../../src/store/types.js';

const dirs: string[] = [];
const stores: EmbeddedStore[] = [];

function openStore(): EmbeddedStore {
  const dir = mkdtempSync(join(tmpdir(), 'gh-feed-'));
  dirs.push(dir);
  const store = EmbeddedStore.open({ file: join(dir, 'store.db') });
  stores.push(store);
  return store;
}

/**
 * A real store whose watches can be disturbed on demand: `disturb(batch)` delivers a batch to the
 * live watch as if the store had sent it (compaction, a lost connection).
 */
function disturbable(store: ConfigStore): {
  store: ConfigStore;
  disturb: (batch: WatchBatch) => void;
} {
  let current: ((batch: WatchBatch) => void) | undefined;
  const wrapped: ConfigStore = {
    kind: store.kind,
    writable: store.writable,
    range: (prefix) => store.range(prefix),
    get: (key) => store.get(key),
    put: (key, value, opts) => store.put(key, value, opts),
    delete: (key, opts) => store.delete(key, opts),
    deletePrefix: (prefix) => store.deletePrefix(prefix),
    watch: (prefix, from, onBatch) => {
      current = onBatch;
      return store.watch(prefix, from, onBatch);
    },
    compact: (revision) => store.compact(revision),
    revision: () => store.revision(),
    close: () => store.close(),
  };
  return { store: wrapped, disturb: (batch) => current?.(batch) };
}

/** Collects updates; `next(n)` waits until n updates have arrived in total. */
function recorder(): {
  updates: FeedUpdate[];
  onUpdate: (u: FeedUpdate) => void;
  next: (n: number) => Promise<void>;
} {
  const updates: FeedUpdate[] = [];
  let waiter: { n: number; resolve(): void } | undefined;
  return {
    updates,
    onUpdate: (update) => {
      updates.push(update);
      if (waiter !== undefined && updates.length >= waiter.n) waiter.resolve();
    },
    next: (n) => {
      if (updates.length >= n) return Promise.resolve();
      return new Promise((resolve) => (waiter = { n, resolve }));
    },
  };
}

function keysOf(update: FeedUpdate | undefined): string[] {
  if (update === undefined) return [];
  if (update.kind === 'reset') return update.items.map((kv) => kv.key);
  return update.events.map((e) => (e.type === 'put' ? `put ${e.kv.key}` : `delete ${e.key}`));
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

void describe('ConfigFeed', () => {
  void test('starts with a reset holding every key under the prefix and nothing outside it', async () => {
    const store = openStore();
    await store.put('/apisix/routes/1', '{"uri":"/a"}');
    await store.put('/apisix/upstreams/1', '{"nodes":{}}');
    await store.put('/other/x', '1');
    const rec = recorder();
    const feed = new ConfigFeed({ store, prefix: '/apisix', logger: silentLogger() });
    await feed.start(rec.onUpdate);
    feed.stop();
    assert.deepEqual(keysOf(rec.updates[0]), ['/apisix/routes/1', '/apisix/upstreams/1']);
    assert.equal(rec.updates[0]?.revision, await store.revision());
    assert.equal(feed.status().synced, true);
  });

  void test('hands on later writes as events in revision order', async () => {
    const store = openStore();
    const rec = recorder();
    const feed = new ConfigFeed({ store, prefix: '/apisix', logger: silentLogger() });
    await feed.start(rec.onUpdate);
    await store.put('/apisix/routes/1', '{}');
    await store.put('/apisix/routes/2', '{}');
    await store.delete('/apisix/routes/1');
    await rec.next(4);
    feed.stop();
    assert.deepEqual(rec.updates.slice(1).flatMap(keysOf), [
      'put /apisix/routes/1',
      'put /apisix/routes/2',
      'delete /apisix/routes/1',
    ]);
    const revisions = rec.updates.map((u) => u.revision);
    assert.deepEqual(
      revisions,
      [...revisions].sort((a, b) => a - b),
    );
    assert.deepEqual([...feed.items().keys()], ['/apisix/routes/2']);
  });

  void test('heals a compacted watch with a re-read whose events are only the changes', async () => {
    const real = openStore();
    const { store, disturb } = disturbable(real);
    for (let i = 0; i < 5; i++) await real.put(`/apisix/routes/${i}`, `{"v":${i}}`);
    const rec = recorder();
    const feed = new ConfigFeed({ store, prefix: '/apisix', logger: silentLogger() });
    await feed.start(rec.onUpdate);
    await rec.next(1);
    // Stop the feed's view from moving, change the store behind its back, then compact.
    disturb({ kind: 'compacted', compactRevision: 99 });
    await real.put('/apisix/routes/1', '{"v":"changed"}');
    await real.delete('/apisix/routes/2');
    await rec.next(2);
    // Depending on timing the live watch may deliver the writes itself; either way each change
    // arrives once and unchanged routes are never repeated.
    const changes = rec.updates.slice(1).flatMap(keysOf);
    assert.deepEqual(changes.sort(), ['delete /apisix/routes/2', 'put /apisix/routes/1'].sort());
    const before = rec.updates.length;
    await real.put('/apisix/routes/9', '{}');
    await rec.next(before + 1);
    feed.stop();
    assert.deepEqual(keysOf(rec.updates.at(-1)), ['put /apisix/routes/9']);
    assert.ok(feed.status().resyncs >= 1);
  });

  void test('reports itself stale after a lost watch, then catches up with what changed meanwhile', async () => {
    const real = openStore();
    const { store, disturb } = disturbable(real);
    await real.put('/apisix/routes/1', '{}');
    const rec = recorder();
    const feed = new ConfigFeed({
      store,
      prefix: '/apisix',
      logger: silentLogger(),
      retryMinMs: 20,
    });
    await feed.start(rec.onUpdate);
    disturb({ kind: 'error', error: new Error('connection lost') });
    const status = feed.status();
    assert.equal(status.synced, false);
    assert.equal(status.lastError, 'connection lost');
    assert.ok(status.staleSince !== undefined);
    await real.put('/apisix/routes/2', '{}');
    await rec.next(2);
    feed.stop();
    assert.deepEqual(rec.updates.slice(1).flatMap(keysOf), ['put /apisix/routes/2']);
    assert.equal(feed.status().synced, true);
    assert.equal(feed.status().staleSince, undefined);
  });

  void test('starts from a last-known-good snapshot and reconciles with the store', async () => {
    const store = openStore();
    await store.put('/apisix/routes/1', '{"v":1}');
    const { items, revision } = await store.range('/apisix/');
    // Changes made while this node was away.
    await store.put('/apisix/routes/1', '{"v":2}');
    await store.put('/apisix/routes/2', '{}');
    const rec = recorder();
    const feed = new ConfigFeed({ store, prefix: '/apisix', logger: silentLogger() });
    await feed.start(rec.onUpdate, { revision, items });
    assert.deepEqual(keysOf(rec.updates[0]), ['/apisix/routes/1']);
    await rec.next(2);
    feed.stop();
    assert.deepEqual(rec.updates.slice(1).flatMap(keysOf), [
      'put /apisix/routes/1',
      'put /apisix/routes/2',
    ]);
    assert.equal(feed.revision, await store.revision());
  });

  void test('hands on a reset when the store went back in time', async () => {
    const store = openStore();
    await store.put('/apisix/routes/1', '{}');
    const rec = recorder();
    const feed = new ConfigFeed({ store, prefix: '/apisix', logger: silentLogger() });
    // A snapshot from a "future" the store does not have (it was restored from a backup).
    const future = { revision: 1000, items: [] };
    await feed.start(rec.onUpdate, future);
    await rec.next(2);
    feed.stop();
    assert.equal(rec.updates[1]?.kind, 'reset');
    assert.deepEqual(keysOf(rec.updates[1]), ['/apisix/routes/1']);
  });
});
