import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { KeyValue } from '../../src/core/kv.js';
import { silentLogger } from '../../src/core/logger.js';
import {
  readLastKnownGood,
  SnapshotSaver,
  writeLastKnownGoodSync,
} from '../../src/store/last-known-good.js';
import { waitUntil } from '../support/gatehouse-process.js';

const kv = (key: string, value: string, rev: number): KeyValue => ({
  key,
  value,
  createRevision: rev,
  modRevision: rev,
  lease: 0,
});

function dir(): string {
  return mkdtempSync(path.join(tmpdir(), 'gh-lkg-'));
}

void test('a saved snapshot reads back with every key and its revision', async () => {
  const file = path.join(dir(), 'data', 'etcd-snapshot.json');
  const items = new Map([['/apisix/routes/1', kv('/apisix/routes/1', '{"uri":"/a"}', 7)]]);
  const saver = new SnapshotSaver({
    file,
    prefix: '/apisix',
    state: () => ({ revision: 9, items: () => items }),
    logger: silentLogger(),
  });
  await saver.flush();
  const read = readLastKnownGood(file, '/apisix', silentLogger());
  assert.equal(read?.revision, 9);
  assert.deepEqual(read?.items, [...items.values()]);
  assert.deepEqual(readdirSync(path.dirname(file)), ['etcd-snapshot.json'], 'no temporary left');
});

void test('changes are coalesced: one save for a burst, after the debounce', async () => {
  const file = path.join(dir(), 'etcd-snapshot.json');
  let revision = 1;
  const saver = new SnapshotSaver({
    file,
    prefix: '/apisix',
    state: () => ({ revision, items: () => new Map() }),
    logger: silentLogger(),
    debounceMs: 50,
  });
  for (revision = 2; revision <= 20; revision++) saver.changed();
  revision = 20;
  assert.equal(readLastKnownGood(file, '/apisix', silentLogger()), undefined, 'not yet');
  // The save is a write, two fsyncs and a rename: its time is the disk's, so wait for the file
  // (renamed into place whole) rather than for a fixed time. Its first version is the last change.
  await waitUntil(() => existsSync(file), 'the debounced save');
  assert.equal(readLastKnownGood(file, '/apisix', silentLogger())?.revision, 20);
  await saver.close();
});

void test('after a slow save the next one waits 50x as long as it took', async () => {
  const file = path.join(dir(), 'etcd-snapshot.json');
  let revision = 1;
  let clock = 0;
  const saver = new SnapshotSaver({
    file,
    prefix: '/apisix',
    state: () => ({ revision, items: () => new Map() }),
    logger: silentLogger(),
    debounceMs: 20,
    // Each reading of the clock advances it by 10 ms: a save "takes" 10 ms.
    now: () => (clock += 10),
  });
  await saver.flush();
  revision = 2;
  saver.changed(); // due in 500 ms, not 20
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(readLastKnownGood(file, '/apisix', silentLogger())?.revision, 1, 'not yet');
  await saver.close();
  assert.equal(readLastKnownGood(file, '/apisix', silentLogger())?.revision, 2, 'close saves');
});

void test('a snapshot of another prefix, a damaged one and a missing one are not served', () => {
  const d = dir();
  const file = path.join(d, 'etcd-snapshot.json');
  assert.equal(readLastKnownGood(file, '/apisix', silentLogger()), undefined);
  writeLastKnownGoodSync(file, '/other', 3, [kv('/other/routes/1', '{}', 3)]);
  assert.equal(readLastKnownGood(file, '/apisix', silentLogger()), undefined);
  assert.equal(readLastKnownGood(file, '/other', silentLogger())?.revision, 3);
  writeFileSync(file, readFileSync(file, 'utf8').slice(0, 20));
  assert.equal(readLastKnownGood(file, '/other', silentLogger()), undefined);
});
