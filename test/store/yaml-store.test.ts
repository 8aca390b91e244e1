import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import { isGatehouseError } from '../../src/core/errors.js';
import { YamlStore, type YamlStoreOptions } from '../../src/store/yaml/yaml-store.js';
import { stringify } from 'yaml';
import { readableStoreContract, type Seed } from '../contract/readable-store.contract.js';
import { eventKey, sleep, waitUntil, WatchRecorder } from '../contract/watch-recorder.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-yaml-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A store over a fresh file holding `text` (no file when text is undefined), and its log lines. */
async function openWith(
  text: string | undefined,
  opts: Partial<YamlStoreOptions> = {},
  ext: 'yaml' | 'json' = 'yaml',
) {
  const file = join(dir, `${n++}-apisix.${ext}`);
  if (text !== undefined) writeFileSync(file, text);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const store = await YamlStore.open({ pollMs: 10, ...opts, file, logger: pino(sink) });
  return { store, file, logs };
}

/** The reading half of the shared contract, the items written as apisix.yaml sections. */
void readableStoreContract('yaml', async (prefix, items: readonly Seed[]) => {
  const doc: Record<string, unknown[]> = {};
  for (const s of items) (doc[s.dir] ??= []).push(s.value);
  const file = join(dir, `${n++}-contract.yaml`);
  writeFileSync(file, `${stringify(doc)}#END\n`);
  return YamlStore.open({ file, prefix, pollMs: 10 });
});

const values = async (store: YamlStore, prefix = '/apisix/') =>
  Object.fromEntries((await store.range(prefix)).items.map((kv) => [kv.key, JSON.parse(kv.value)]));

void describe('yaml store (APISIX standalone mode)', () => {
  void test('is read-only: every write fails with GH_ERR_STORE_READ_ONLY', async () => {
    const { store } = await openWith('routes: []\n#END\n');
    assert.equal(store.kind, 'yaml');
    assert.equal(store.writable, false);
    const readOnly = (err: unknown) => isGatehouseError(err, 'GH_ERR_STORE_READ_ONLY');
    await assert.rejects(store.put('/apisix/routes/1', '{}'), readOnly);
    await assert.rejects(store.delete('/apisix/routes/1'), readOnly);
    await assert.rejects(store.deletePrefix('/apisix/'), readOnly);
    await store.close();
  });

  void test('items become keys <prefix>/<dir>/<id> holding the item JSON', async () => {
    const { store } = await openWith(
      [
        'upstreams:',
        '  - id: 1',
        '    nodes: { "127.0.0.1:1980": 1 }',
        '    type: roundrobin',
        'routes:',
        '  - id: r1',
        '    uri: /hello',
        '    upstream_id: 1',
        '  - uri: /no-id',
        'consumers:',
        '  - username: jack',
        '  - id: jack/credentials/c1',
        '    plugins: { key-auth: { key: k } }',
        'secrets:',
        '  - id: vault/1',
        '    uri: http://vault',
        'plugin_metadata:',
        '  - id: http-logger',
        '    log_format: {}',
        'plugins:',
        '  - name: key-auth',
        '  - name: ip-restriction',
        '    stream: true',
        '#END',
      ].join('\n'),
      { prefix: '/gw' },
    );
    assert.deepEqual(await values(store, '/gw/'), {
      '/gw/consumers/jack': { username: 'jack' },
      '/gw/consumers/jack/credentials/c1': {
        id: 'jack/credentials/c1',
        plugins: { 'key-auth': { key: 'k' } },
      },
      '/gw/plugin_metadata/http-logger': { id: 'http-logger', log_format: {} },
      '/gw/plugins': [{ name: 'key-auth' }, { name: 'ip-restriction', stream: true }],
      '/gw/routes/arr_2': { uri: '/no-id' },
      '/gw/routes/r1': { id: 'r1', uri: '/hello', upstream_id: 1 },
      '/gw/secrets/vault/1': { id: 'vault/1', uri: 'http://vault' },
      '/gw/upstreams/1': { id: 1, nodes: { '127.0.0.1:1980': 1 }, type: 'roundrobin' },
    });
    const keys = (await store.range('/gw/routes/')).items.map((kv) => kv.key);
    assert.deepEqual(keys, ['/gw/routes/arr_2', '/gw/routes/r1']);
    assert.equal(await store.revision(), 2, 'the first load is one revision after the empty 1');
    await store.close();
  });

  void test('a YAML file without #END in its last bytes is ignored and logged', async () => {
    const { store, logs } = await openWith('routes:\n  - id: 1\n    uri: /\n');
    assert.deepEqual(await values(store), {});
    assert.match(logs.join(''), /missing valid end flag/);
    await store.close();
    const trailing = await openWith('routes:\n  - id: 1\n    uri: /\n#END  \n\n');
    assert.deepEqual(Object.keys(await values(trailing.store)), ['/apisix/routes/1']);
    await trailing.store.close();
  });

  void test('a JSON file needs no #END', async () => {
    const { store } = await openWith(JSON.stringify({ routes: [{ id: 1, uri: '/' }] }), {}, 'json');
    assert.deepEqual(await values(store), { '/apisix/routes/1': { id: 1, uri: '/' } });
    await store.close();
  });

  void test('${{VAR}} and ${{VAR:=default}} are substituted in the raw text before parsing', async () => {
    const { store } = await openWith(
      [
        'routes:',
        '  - id: ${{ROUTE_ID}}',
        '    uri: ${{ URI:= /fallback }}',
        '    host: ${{HOST:=unused}}',
        '    plugins: ${{PLUGINS}}',
        '#END',
      ].join('\n'),
      { env: { ROUTE_ID: 'r7', HOST: 'a.example', PLUGINS: '{ "echo": { "body": "x" } }' } },
    );
    assert.deepEqual(await values(store), {
      '/apisix/routes/r7': {
        id: 'r7',
        uri: '/fallback',
        host: 'a.example',
        plugins: { echo: { body: 'x' } },
      },
    });
    await store.close();
  });

  void test('an unset variable without a default makes the file invalid, naming the variable', async () => {
    const { store, logs } = await openWith('routes:\n  - id: ${{NOPE}}\n#END\n', { env: {} });
    assert.deepEqual(await values(store), {});
    assert.match(logs.join(''), /NOPE is not set/);
    await store.close();
  });

  void test('a changed file produces events for the changed keys only, in one revision', async () => {
    const { store, file } = await openWith(
      'routes:\n  - { id: 1, uri: /a }\n  - { id: 2, uri: /b }\n  - { id: 3, uri: /c }\n#END\n',
    );
    const before = await store.get('/apisix/routes/1');
    const from = (await store.revision()) + 1;
    const rec = new WatchRecorder();
    const w = store.watch('/apisix/', from, rec.onBatch);
    writeFileSync(
      file,
      'routes:\n  - { id: 1, uri: /a }\n  - { id: 2, uri: /B }\n  - { id: 4, uri: /d }\n#END\n',
    );
    await rec.waitForEvents(3);
    await sleep(50);
    w.cancel();
    assert.deepEqual(
      rec.batches.map((b) => b.kind === 'events' && b.revision),
      [from],
    );
    assert.deepEqual(
      rec.events().map((e) => [e.type, eventKey(e)]),
      [
        ['put', '/apisix/routes/2'],
        ['delete', '/apisix/routes/3'],
        ['put', '/apisix/routes/4'],
      ],
    );
    const changed = rec.events()[0];
    assert.equal(changed?.type === 'put' && changed.kv.createRevision, before?.createRevision);
    assert.deepEqual(await store.get('/apisix/routes/1'), before);
    await store.close();
  });

  void test('an invalid file keeps the previous content until it is fixed', async () => {
    const { store, file, logs } = await openWith('routes:\n  - { id: 1, uri: /a }\n#END\n');
    const revision = await store.revision();
    writeFileSync(file, 'routes:\n  - { id: 1, uri: /a\n#END\n');
    await waitUntil('the parse error to be logged', () => /cannot parse/.test(logs.join('')));
    writeFileSync(file, 'routes:\n  - { id: 1, uri: /b }\n'); // no #END: still ignored
    await waitUntil('the missing #END to be logged', () => /end flag/.test(logs.join('')));
    assert.equal(await store.revision(), revision);
    assert.deepEqual(await values(store), { '/apisix/routes/1': { id: 1, uri: '/a' } });
    writeFileSync(file, 'routes:\n  - { id: 1, uri: /c }\n#END\n');
    await waitUntil('the fixed file', () => logs.join('').includes('"revision":3'));
    assert.deepEqual(await values(store), { '/apisix/routes/1': { id: 1, uri: '/c' } });
    await store.close();
  });

  void test('rewriting the same content makes no new revision', async () => {
    const text = 'routes:\n  - { id: 1, uri: /a }\n#END\n';
    const { store, file, logs } = await openWith(text);
    writeFileSync(file, `${text}\n`);
    await waitUntil('the re-read', () => logs.filter((l) => l.includes('loaded')).length >= 2);
    assert.equal(await store.revision(), 2);
    await store.close();
  });

  void test('a missing file is an empty store that loads the file once it appears', async () => {
    const { store, file, logs } = await openWith(undefined);
    assert.match(logs.join(''), /not found/);
    assert.equal(await store.revision(), 1);
    const rec = new WatchRecorder();
    const w = store.watch('/apisix/routes/', 1, rec.onBatch);
    writeFileSync(file, 'routes:\n  - { id: 1, uri: /a }\n#END\n');
    await rec.waitForEvents(1);
    w.cancel();
    assert.deepEqual(await values(store), { '/apisix/routes/1': { id: 1, uri: '/a' } });
    await store.close();
  });

  void test('a watch from revision 1 replays the initial load', async () => {
    const { store } = await openWith('routes:\n  - { id: 1, uri: /a }\n#END\n');
    const rec = new WatchRecorder();
    const w = store.watch('/apisix/', 1, rec.onBatch);
    await rec.waitForEvents(1);
    w.cancel();
    assert.deepEqual(
      rec.events().map((e) => [e.type, eventKey(e), e.revision]),
      [['put', '/apisix/routes/1', 2]],
    );
    await store.close();
  });

  void test('items that are not objects are skipped and logged, the rest load', async () => {
    const { store, logs } = await openWith(
      'routes:\n  - 42\n  - { id: 1, uri: /a }\nservices: {}\n#END\n',
    );
    assert.deepEqual(Object.keys(await values(store)), ['/apisix/routes/1']);
    assert.match(logs.join(''), /routes\[0\] is not an object/);
    assert.match(logs.join(''), /services is not an array/);
    await store.close();
  });
});
