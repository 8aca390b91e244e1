import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdmin, type TestAdmin } from './helpers.js';

const ROUTE = { uri: '/hello', upstream: { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } } };
const UNKNOWN_PROTO = {
  error_msg: 'invalid configuration: additional properties forbidden, found __proto__',
};

/** Whether anything was written into the prototypes every object and array share. */
function pollution(): string[] {
  const probe = {} as Record<string, unknown>;
  return ['polluted', 'x', 'uri'].filter((k) => probe[k] !== undefined || k in []);
}

void describe('keys named __proto__ are data, as in APISIX', () => {
  let admin: TestAdmin;
  before(async () => {
    admin = await startAdmin();
    await admin.request('PUT', '/apisix/admin/routes/1', ROUTE);
  });
  after(() => admin.close());

  void it('refuses a PATCH sub-path through __proto__ without touching Object.prototype', async () => {
    const before = await admin.revision();
    const res = await admin.request('PATCH', '/apisix/admin/routes/1/__proto__/polluted', '1');
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.body, UNKNOWN_PROTO);
    assert.deepEqual(pollution(), []);
    assert.equal(await admin.revision(), before);
  });

  void it('refuses a PATCH sub-path through labels/__proto__ without touching Object.prototype', async () => {
    const res = await admin.request('PATCH', '/apisix/admin/routes/1/labels/__proto__/x', '"v"');
    assert.equal(res.status, 400, res.text);
    assert.match(res.body.error_msg, /^invalid configuration: property "labels" validation failed/);
    assert.deepEqual(pollution(), []);
  });

  void it('stores a label named __proto__ set through a sub-path', async () => {
    const res = await admin.request('PATCH', '/apisix/admin/routes/1/labels/__proto__', '"v"');
    assert.equal(res.status, 200, res.text);
    const got = await admin.request('GET', '/apisix/admin/routes/1');
    assert.match(got.text, /"labels":\{"__proto__":"v"\}/);
  });

  void it('refuses a PATCH body with a __proto__ key like any unknown field', async () => {
    const before = await admin.revision();
    const res = await admin.request('PATCH', '/apisix/admin/routes/1', '{"__proto__":{"x":1}}');
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.body, UNKNOWN_PROTO);
    assert.deepEqual(pollution(), []);
    assert.equal(await admin.revision(), before);
  });

  void it('merges a PATCH into a stored label named __proto__ as into any label', async () => {
    const res = await admin.request(
      'PATCH',
      '/apisix/admin/routes/1',
      '{"labels":{"__proto__":"w"}}',
    );
    assert.equal(res.status, 200, res.text);
    assert.match(res.text, /"labels":\{"__proto__":"w"\}/);
  });
});
