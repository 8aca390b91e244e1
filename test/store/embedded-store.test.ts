import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { ErrorCode } from '../../src/core/error-codes.js';
import { isGatehouseError } from '../../src/core/errors.js';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js';
import { configStoreContract } from '../contract/config-store.contract.js';
import { readableStoreContract, seededBy } from '../contract/readable-store.contract.js';
import { sleep, WatchRecorder } from '../contract/watch-recorder.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-embedded-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const newFile = () => join(dir, `${n++}`, 'store.db');

void configStoreContract('embedded', () =>
  Promise.resolve(EmbeddedStore.open({ file: newFile() })),
);
void readableStoreContract(
  'embedded',
  seededBy(() => Promise.resolve(EmbeddedStore.open({ file: newFile() }))),
);

const fails = (open: () => unknown, code: ErrorCode, mention: string) =>
  assert.throws(open, (err) => {
    assert.ok(isGatehouseError(err, code), String(err));
    assert.match(err.message, new RegExp(mention.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    return true;
  });

void describe('embedded store', () => {
  void test('an empty store is at revision 1, and its directory is created', async () => {
    const store = EmbeddedStore.open({ file: newFile() });
    assert.equal(store.kind, 'embedded');
    assert.equal(store.writable, true);
    assert.equal(await store.revision(), 1);
    await store.close();
  });

  void test('reopening keeps the data, the revisions and the history', async () => {
    const file = newFile();
    const first = EmbeddedStore.open({ file });
    const a = await first.put('/apisix/routes/1', '{"uri":"/a"}');
    await first.put('/apisix/routes/2', '{"uri":"/b"}');
    await first.delete('/apisix/routes/2');
    await first.close();

    const second = EmbeddedStore.open({ file });
    assert.equal(await second.revision(), a.revision + 2);
    assert.deepEqual(await second.get('/apisix/routes/1'), {
      key: '/apisix/routes/1',
      value: '{"uri":"/a"}',
      createRevision: a.revision,
      modRevision: a.revision,
      lease: 0,
    });
    const next = await second.put('/apisix/routes/3', '{}');
    assert.equal(next.revision, a.revision + 3);
    const rec = new WatchRecorder();
    const w = second.watch('/apisix/', a.revision, rec.onBatch);
    await rec.waitForEvents(4);
    w.cancel();
    assert.deepEqual(
      rec.events().map((e) => e.revision),
      [a.revision, a.revision + 1, a.revision + 2, a.revision + 3],
    );
    await second.close();
  });

  void test('history beyond historyLimit is compacted automatically, by whole revisions', async () => {
    const store = EmbeddedStore.open({ file: newFile(), historyLimit: 10 });
    for (let i = 0; i < 30; i++) await store.put(`/k/${i % 3}`, String(i));
    const last = await store.revision();
    const old = new WatchRecorder();
    store.watch('/', 2, old.onBatch);
    await old.waitFor('a compacted batch', (r) => r.batches.length > 0);
    const batch = old.batches[0];
    assert.equal(batch?.kind, 'compacted');
    const compactRevision = batch?.kind === 'compacted' ? batch.compactRevision : 0;
    assert.ok(last - compactRevision + 1 <= 10, `history of ${last - compactRevision + 1} events`);

    const recent = new WatchRecorder();
    const w = store.watch('/', compactRevision, recent.onBatch);
    await recent.waitForEvents(last - compactRevision + 1);
    w.cancel();
    assert.equal(recent.events()[0]?.revision, compactRevision);
    await store.close();
  });

  void test('putFrom computes the value from the previous one in the same write', async () => {
    const store = EmbeddedStore.open({ file: newFile() });
    const seen: (string | undefined)[] = [];
    const valueOf = (prev: { value: string } | undefined) => {
      seen.push(prev?.value);
      return `${prev?.value ?? ''}+`;
    };
    const first = await store.putFrom('/k', valueOf);
    const second = await store.putFrom('/k', valueOf);
    assert.deepEqual(seen, [undefined, '+']);
    assert.equal(first.prev, undefined);
    assert.equal(second.prev?.value, '+');
    assert.equal(second.prev?.modRevision, first.revision);
    const kv = await store.get('/k');
    assert.equal(kv?.value, '++');
    assert.equal(kv?.createRevision, first.revision);
    await store.close();
  });

  void test('putFrom writes nothing when the value function throws', async () => {
    const store = EmbeddedStore.open({ file: newFile() });
    await store.put('/k', 'a');
    const revision = await store.revision();
    await assert.rejects(
      store.putFrom('/k', () => {
        throw new Error('no');
      }),
    );
    assert.equal(await store.revision(), revision);
    assert.equal((await store.get('/k'))?.value, 'a');
    assert.equal((await store.put('/k', 'b')).revision, revision + 1);
    await store.close();
  });

  void test('the compaction point survives a restart', async () => {
    const file = newFile();
    const first = EmbeddedStore.open({ file });
    for (let i = 0; i < 5; i++) await first.put('/k', String(i));
    await first.compact(4);
    await first.close();
    const second = EmbeddedStore.open({ file });
    const rec = new WatchRecorder();
    second.watch('/', 3, rec.onBatch);
    await rec.waitFor('a compacted batch', (r) => r.batches.length > 0);
    assert.deepEqual(rec.batches, [{ kind: 'compacted', compactRevision: 4 }]);
    await second.close();
  });

  void test('compacting to a future revision is refused', async () => {
    const store = EmbeddedStore.open({ file: newFile() });
    await assert.rejects(store.compact(5), (err) =>
      isGatehouseError(err, 'GH_ERR_STORE_UNAVAILABLE'),
    );
    await store.close();
  });

  void test('a lease that ran out while the store was closed is expired at open', async () => {
    const file = newFile();
    const first = EmbeddedStore.open({ file });
    await first.put('/ttl', '1', { leaseTtlSeconds: 0.2 });
    await first.close();
    await sleep(300);
    const second = EmbeddedStore.open({ file });
    assert.equal(await second.get('/ttl'), undefined);
    assert.equal(await second.revision(), 3);
    await second.close();
  });

  void test('a second open of the same file in this process fails with GH_ERR_STORE_LOCKED', async () => {
    const file = newFile();
    const store = EmbeddedStore.open({ file });
    fails(() => EmbeddedStore.open({ file }), 'GH_ERR_STORE_LOCKED', file);
    await store.put('/still/works', '1');
    await store.close();
    await EmbeddedStore.open({ file }).close(); // the lock went with the first store
  });

  void test('another process cannot open a file this process holds', async () => {
    const file = newFile();
    const store = EmbeddedStore.open({ file });
    const module = new URL('../../src/store/embedded/embedded-store.js', import.meta.url).href;
    const script = `import { EmbeddedStore } from ${JSON.stringify(module)};
      try { EmbeddedStore.open({ file: ${JSON.stringify(file)} }); console.log('opened'); }
      catch (err) { console.log(err.code); }`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script]);
    assert.equal(child.stdout.toString().trim(), 'GH_ERR_STORE_LOCKED', child.stderr.toString());
    await store.close();
  });

  void test('a file that is not SQLite gives GH_ERR_STORE_UNAVAILABLE naming the file', () => {
    const file = join(dir, 'not-sqlite.db');
    writeFileSync(file, 'routes:\n  - id: 1\n#END\n'.repeat(100));
    fails(() => EmbeddedStore.open({ file }), 'GH_ERR_STORE_UNAVAILABLE', file);
  });

  void test('a corrupt SQLite file gives GH_ERR_STORE_UNAVAILABLE naming the file', async () => {
    const file = newFile();
    const store = EmbeddedStore.open({ file });
    for (let i = 0; i < 200; i++) await store.put(`/k/${i}`, 'x'.repeat(200));
    await store.close();
    const db = new Database(file);
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    db.close();
    const garbage = Buffer.alloc(pageSize * 3, 0xa5);
    const fd = openSync(file, 'r+');
    writeSync(fd, garbage, 0, garbage.length, pageSize * 2);
    closeSync(fd);
    fails(() => EmbeddedStore.open({ file }), 'GH_ERR_STORE_UNAVAILABLE', file);
  });

  void test('a file from a newer schema version is refused, not misread', () => {
    const file = join(dir, 'future.db');
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();
    fails(() => EmbeddedStore.open({ file }), 'GH_ERR_STORE_UNAVAILABLE', 'schema version 999');
  });
});
