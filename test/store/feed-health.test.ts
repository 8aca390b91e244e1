import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js';
import { ConfigFeed } from '../../src/store/feed.js';
import type { ConfigStore, StoreHealth } from '../../src/store/types.js';

/** etcd3 retries a lost connection forever: no watch error, only the store's health says so. */
void test('the feed is stale while its store reports a lost connection, and since when', async () => {
  const inner = EmbeddedStore.open({ file: join(mkdtempSync(join(tmpdir(), 'gh-fh-')), 's.db') });
  let health: StoreHealth = { connected: true };
  const store: ConfigStore = Object.assign(Object.create(inner) as ConfigStore, {
    range: (p: string) => inner.range(p),
    watch: inner.watch.bind(inner),
    health: () => health,
  });
  const feed = new ConfigFeed({ store, prefix: '/apisix', logger: silentLogger() });
  try {
    await feed.start(() => {});
    assert.equal(feed.status().synced, true);
    health = { connected: false, since: 1000, error: 'etcd (x) is unavailable: gone' };
    assert.deepEqual(
      { ...feed.status(), revision: 0 },
      {
        synced: false,
        revision: 0,
        staleSince: 1000,
        lastError: 'etcd (x) is unavailable: gone',
        resyncs: 0,
        events: 0,
      },
    );
    health = { connected: true };
    assert.equal(feed.status().synced, true);
    assert.equal(feed.status().staleSince, undefined);
  } finally {
    feed.stop();
    await inner.close();
  }
});
