import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js';
import { KvTables } from '../../src/store/embedded/kv-tables.js';
import { openDatabase } from '../../src/store/embedded/open-database.js';
import { SCHEMA_VERSION } from '../../src/store/embedded/schema.js';
import { WatchRecorder } from '../contract/watch-recorder.js';
import { writeSchemaV1File } from './fixtures/schema-v1.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-schema-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const newFile = () => {
  const sub = join(dir, `${n++}`);
  mkdirSync(sub);
  return join(sub, 'store.db');
};

void describe('embedded store schema', () => {
  void test('a file written by schema version 1 opens with its data, revision and history', async () => {
    const file = newFile();
    writeSchemaV1File(file);
    const store = EmbeddedStore.open({ file });
    assert.equal(await store.revision(), 5);
    assert.equal((await store.get('/apisix/routes/3'))?.value, '{"uri":"/3"}');
    assert.equal(await store.get('/apisix/routes/1'), undefined);
    const rec = new WatchRecorder();
    const w = store.watch('/apisix/', 2, rec.onBatch);
    await rec.waitForEvents(5);
    w.cancel();
    assert.deepEqual(
      rec.events().map((e) => e.revision),
      [2, 3, 4, 4, 5],
    );
    assert.equal((await store.put('/apisix/routes/4', '{}')).revision, 6);
    await store.close();

    const reopened = EmbeddedStore.open({ file });
    assert.equal(await reopened.revision(), 6);
    await reopened.close();
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    db.close();
  });

  void test('the revision survives a reopen when compaction left only the newest revision', async () => {
    const file = newFile();
    const first = EmbeddedStore.open({ file });
    for (let i = 0; i < 5; i++) await first.put(`/k/${i}`, String(i));
    await first.deletePrefix('/k/');
    const revision = await first.revision();
    await first.compact(revision);
    await first.close();

    const second = EmbeddedStore.open({ file, historyLimit: 1 });
    assert.equal(await second.revision(), revision);
    assert.equal((await second.put('/k/a', 'a')).revision, revision + 1);
    assert.equal((await second.put('/k/b', 'b')).revision, revision + 2); // compacts to 1 event
    await second.close();
    const third = EmbeddedStore.open({ file });
    assert.equal(await third.revision(), revision + 2);
    await third.close();
  });

  void test('a history page that cuts a revision short is finished, so batches stay whole', () => {
    const db = openDatabase(newFile());
    try {
      const tables = new KvTables(db);
      for (const key of ['/a/1', '/a/2', '/a/3']) tables.put(key, () => 'v', {}, 0);
      tables.deletePrefix('/a/'); // revision 5: three events
      tables.put('/b', () => 'v', {}, 0); // revision 6

      const page = tables.readHistory(3, 2);
      assert.deepEqual(
        page.revisions.map((r) => [r.revision, r.events.length]),
        [
          [3, 1],
          [4, 1],
        ],
      );
      assert.equal(page.throughRevision, 4);
      const cut = tables.readHistory(5, 2); // the page ends inside revision 5
      assert.deepEqual(
        cut.revisions.map((r) => [r.revision, r.events.length]),
        [[5, 3]],
      );
      assert.equal(cut.throughRevision, 5);
      const rest = tables.readHistory(6, 10);
      assert.deepEqual(
        rest.revisions.map((r) => r.revision),
        [6],
      );
      assert.deepEqual(tables.readHistory(7, 10), { revisions: [], throughRevision: 6 });
    } finally {
      db.close();
    }
  });
});
