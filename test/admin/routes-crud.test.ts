import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdmin, type TestAdmin } from './helpers.js';

const ROUTE = { uri: '/hello', upstream: { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } } };

void describe('route CRUD', () => {
  let admin: TestAdmin;
  before(async () => {
    admin = await startAdmin();
  });
  after(() => admin.close());

  void it('creates a route with PUT: 201, {key, value} with id and integer timestamps, no defaults', async () => {
    const before = await admin.revision();
    const res = await admin.request('PUT', '/apisix/admin/routes/1', ROUTE);
    assert.equal(res.status, 201);
    assert.equal(res.body.key, '/apisix/routes/1');
    const { create_time, update_time, ...rest } = res.body.value;
    assert.deepEqual(rest, { ...ROUTE, id: '1' });
    assert.ok(Number.isInteger(create_time) && Number.isInteger(update_time));
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['x-api-version'], 'v3');
    assert.match(String(res.headers['server']), /^Gatehouse\//);
    assert.ok(res.text.endsWith('}\n'));
    const revision = Number(res.headers['x-gatehouse-revision']);
    assert.ok(revision > before);
    assert.equal(revision, await admin.revision());
    const stored = await admin.store.get('/apisix/routes/1');
    assert.deepEqual(JSON.parse(stored?.value ?? ''), res.body.value);
  });

  void it('replaces with PUT: 200 and create_time kept', async () => {
    const first = await admin.request('PUT', '/apisix/admin/routes/keep', ROUTE);
    await admin.store.put(
      '/apisix/routes/keep',
      JSON.stringify({ ...first.body.value, create_time: 1000 }),
    );
    const res = await admin.request('PUT', '/apisix/admin/routes/keep', { ...ROUTE, uri: '/b' });
    assert.equal(res.status, 200);
    assert.equal(res.body.value.create_time, 1000);
    assert.equal(res.body.value.uri, '/b');
  });

  void it('takes the id from the body when the URL has none, keeping its JSON type', async () => {
    const res = await admin.request('PUT', '/apisix/admin/routes', { ...ROUTE, id: 77 });
    assert.equal(res.status, 201);
    assert.equal(res.body.key, '/apisix/routes/77');
    assert.equal(res.body.value.id, 77);
  });

  void it('rejects PUT without an id and with mismatching ids', async () => {
    const missing = await admin.request('PUT', '/apisix/admin/routes', ROUTE);
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { error_msg: 'missing route id' });
    const wrong = await admin.request('PUT', '/apisix/admin/routes/1', { ...ROUTE, id: '2' });
    assert.deepEqual(wrong.body, { error_msg: 'wrong route id' });
    const same = await admin.request('PUT', '/apisix/admin/routes/5', { ...ROUTE, id: 5 });
    assert.equal(same.status, 201);
  });

  void it('gets one route with createdIndex and modifiedIndex', async () => {
    const put = await admin.request('PUT', '/apisix/admin/routes/g1', ROUTE);
    const res = await admin.request('GET', '/apisix/admin/routes/g1');
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), [
      'createdIndex',
      'key',
      'modifiedIndex',
      'value',
    ]);
    assert.equal(res.body.modifiedIndex, Number(put.headers['x-gatehouse-revision']));
    assert.deepEqual(res.body.value, put.body.value);
    assert.equal(res.headers['x-gatehouse-revision'], undefined);
  });

  void it('answers 404 {"message":"Key not found"} for a missing route', async () => {
    const res = await admin.request('GET', '/apisix/admin/routes/nope');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { message: 'Key not found' });
  });

  void it('creates with POST: a 20-digit id from the revision of a gen_id write, 201', async () => {
    const before = await admin.revision();
    const res = await admin.request('POST', '/apisix/admin/routes', ROUTE);
    assert.equal(res.status, 201);
    assert.match(res.body.value.id, /^\d{20}$/);
    assert.equal(Number(res.body.value.id), before + 1);
    assert.equal(res.body.key, `/apisix/routes/${res.body.value.id}`);
    assert.equal((await admin.store.get('/apisix/gen_id'))?.value, '1');
  });

  void it('rejects POST that carries an id', async () => {
    const inUrl = await admin.request('POST', '/apisix/admin/routes/3', ROUTE);
    assert.deepEqual(inUrl.body, { error_msg: 'wrong route id, do not need it' });
    const inBody = await admin.request('POST', '/apisix/admin/routes', { ...ROUTE, id: '3' });
    assert.deepEqual(inBody.body, { error_msg: 'wrong route id, do not need it' });
  });

  void it('PATCH merges objects, replaces arrays and deletes with null', async () => {
    await admin.request('PUT', '/apisix/admin/routes/p1', {
      ...ROUTE,
      methods: ['GET', 'POST'],
      name: 'n',
    });
    const res = await admin.request('PATCH', '/apisix/admin/routes/p1', {
      methods: ['PUT'],
      name: null,
      upstream: { nodes: { '127.0.0.1:1980': null, '127.0.0.1:1981': 2 } },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.value.methods, ['PUT']);
    assert.equal(res.body.value.name, undefined);
    assert.deepEqual(res.body.value.upstream, {
      type: 'roundrobin',
      nodes: { '127.0.0.1:1981': 2 },
    });
  });

  void it('PATCH on a sub-path replaces the value there', async () => {
    await admin.request('PUT', '/apisix/admin/routes/p2', ROUTE);
    const res = await admin.request('PATCH', '/apisix/admin/routes/p2/upstream/nodes', {
      '10.0.0.1:80': 3,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.value.upstream.nodes, { '10.0.0.1:80': 3 });
    const methods = await admin.request('PATCH', '/apisix/admin/routes/p2/methods', ['POST']);
    assert.deepEqual(methods.body.value.methods, ['POST']);
  });

  void it('PATCH through a non-object is an invalid sub-path', async () => {
    await admin.request('PUT', '/apisix/admin/routes/p3', ROUTE);
    const res = await admin.request('PATCH', '/apisix/admin/routes/p3/uri/x', '"y"');
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error_msg: 'invalid sub-path: /uri' });
  });

  void it('stamps a new route from one reading of the clock: create_time equals update_time', async (t) => {
    // A clock a second on at every reading: two readings for one write would never agree.
    let ms = Date.now();
    t.mock.method(Date, 'now', () => (ms += 1000));
    const put = await admin.request('PUT', '/apisix/admin/routes/one-clock', ROUTE);
    const posted = await admin.request('POST', '/apisix/admin/routes', ROUTE);
    t.mock.restoreAll();
    for (const res of [put, posted]) {
      assert.equal(res.status, 201);
      assert.equal(res.body.value.create_time, res.body.value.update_time);
    }
  });

  void it('PATCH keeps create_time, refreshes update_time unless given, and may not change the id', async () => {
    await admin.request('PUT', '/apisix/admin/routes/p4', ROUTE);
    const given = await admin.request('PATCH', '/apisix/admin/routes/p4', {
      update_time: 5,
      create_time: 4,
    });
    assert.equal(given.body.value.update_time, 5);
    assert.equal(given.body.value.create_time, 4);
    const refreshed = await admin.request('PATCH', '/apisix/admin/routes/p4', { desc: 'd' });
    assert.ok(refreshed.body.value.update_time > 5);
    assert.equal(refreshed.body.value.create_time, 4);
    const wrong = await admin.request('PATCH', '/apisix/admin/routes/p4', { id: 'other' });
    assert.deepEqual(wrong.body, { error_msg: 'wrong route id' });
  });

  void it('PATCH of a missing route is 404, an empty body is missing new configuration', async () => {
    const missing = await admin.request('PATCH', '/apisix/admin/routes/none', { desc: 'x' });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { message: 'Key not found' });
    const empty = await admin.request('PATCH', '/apisix/admin/routes/none');
    assert.deepEqual(empty.body, { error_msg: 'missing new configuration' });
    const notObject = await admin.request('PATCH', '/apisix/admin/routes/none', '[1]');
    assert.deepEqual(notObject.body, { error_msg: 'invalid configuration' });
  });

  void it('PATCH writes only if the route is unchanged since it was read (503 otherwise)', async () => {
    await admin.request('PUT', '/apisix/admin/routes/cas', ROUTE);
    const store = admin.store;
    const realGet = store.get.bind(store);
    // Another writer slips in between the PATCH's read and its write.
    store.get = async (key: string) => {
      const kv = await realGet(key);
      if (key === '/apisix/routes/cas') {
        store.get = realGet;
        await store.put(key, JSON.stringify({ ...ROUTE, id: 'cas', desc: 'other writer' }));
      }
      return kv;
    };
    const before = await admin.revision();
    const res = await admin.request('PATCH', '/apisix/admin/routes/cas', { desc: 'mine' });
    assert.equal(res.status, 503);
    assert.deepEqual(res.body, { error_msg: 'value changed before overwritten' });
    assert.equal(await admin.revision(), before + 1);
  });

  void it('DELETE answers {"deleted":"1","key":...} then 404', async () => {
    await admin.request('PUT', '/apisix/admin/routes/d1', ROUTE);
    const res = await admin.request('DELETE', '/apisix/admin/routes/d1');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { deleted: '1', key: '/apisix/routes/d1' });
    assert.ok(Number(res.headers['x-gatehouse-revision']) > 0);
    const again = await admin.request('DELETE', '/apisix/admin/routes/d1');
    assert.equal(again.status, 404);
    assert.deepEqual(again.body, { message: 'Key not found' });
  });

  void it('?ttl=N attaches a lease; a non-numeric ttl is refused', async () => {
    const res = await admin.request('PUT', '/apisix/admin/routes/ttl?ttl=60', ROUTE);
    assert.equal(res.status, 201);
    const kv = await admin.store.get('/apisix/routes/ttl');
    assert.ok((kv?.lease ?? 0) > 0);
    const bad = await admin.request('PUT', '/apisix/admin/routes/ttl?ttl=soon', ROUTE);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { error_msg: 'invalid argument ttl: should be a number' });
  });

  void it('rejects an invalid route with the schema message', async () => {
    const res = await admin.request('PUT', '/apisix/admin/routes/bad', {
      uri: 1,
      upstream: ROUTE.upstream,
    });
    assert.equal(res.status, 400);
    assert.match(res.body.error_msg, /^invalid configuration: property "uri" validation failed/);
  });
});
