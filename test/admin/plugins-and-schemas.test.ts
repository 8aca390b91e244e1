import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdmin, VIEWER_KEY, type TestAdmin } from './helpers.js';

void describe('plugin and schema endpoints', () => {
  let admin: TestAdmin;
  before(async () => {
    admin = await startAdmin();
  });
  after(() => admin.close());

  void it('lists enabled plugins by priority, highest first', async () => {
    const res = await admin.request('GET', '/apisix/admin/plugins/list');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, ['key-auth', 'limit-count', 'example-plugin']);
    const stream = await admin.request('GET', '/apisix/admin/plugins/list?subsystem=stream');
    assert.deepEqual(stream.body, []);
  });

  void it('refuses an unknown subsystem in the list with a plain-text 400', async () => {
    const res = await admin.request('GET', '/apisix/admin/plugins/list?subsystem=udp');
    assert.equal(res.status, 400);
    assert.equal(res.text, 'invalid subsystem passed');
  });

  void it('serves a plugin schema with _meta injected, and its consumer and metadata schemas', async () => {
    const res = await admin.request('GET', '/apisix/admin/plugins/limit-count');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.required, ['count', 'time_window']);
    assert.equal(res.body.properties._meta.type, 'object');
    const alias = await admin.request('GET', '/apisix/admin/schema/plugins/limit-count');
    assert.deepEqual(alias.body, res.body);
    const consumer = await admin.request(
      'GET',
      '/apisix/admin/plugins/key-auth?schema_type=consumer',
    );
    assert.deepEqual(consumer.body.required, ['key']);
    const metadata = await admin.request(
      'GET',
      '/apisix/admin/plugins/example-plugin?schema_type=metadata',
    );
    assert.deepEqual(metadata.body.required, ['ikey', 'skey']);
  });

  void it('answers 404 for an unknown plugin and 400 for a missing schema', async () => {
    const unknown = await admin.request('GET', '/apisix/admin/plugins/nope');
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { error_msg: 'plugin not found in subsystem http' });
    const none = await admin.request(
      'GET',
      '/apisix/admin/plugins/limit-count?schema_type=consumer',
    );
    assert.equal(none.status, 400);
    assert.deepEqual(none.body, { error_msg: 'not found schema' });
    const sub = await admin.request('GET', '/apisix/admin/plugins/limit-count?subsystem=x');
    assert.deepEqual(sub.body, { error_msg: 'unsupported subsystem: x' });
  });

  void it('describes every plugin with ?all=true', async () => {
    const res = await admin.request('GET', '/apisix/admin/plugins/x?all=true');
    assert.deepEqual(Object.keys(res.body).sort(), ['example-plugin', 'key-auth', 'limit-count']);
    assert.equal(res.body['key-auth'].type, 'auth');
    assert.equal(res.body['key-auth'].priority, 2500);
    assert.ok(res.body['example-plugin'].metadata_schema);
  });

  void it('serves core schemas and refuses unknown ones', async () => {
    const route = await admin.request('GET', '/apisix/admin/schema/route');
    assert.equal(route.status, 200);
    assert.equal(route.body.type, 'object');
    const missing = await admin.request('GET', '/apisix/admin/schema/nope');
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { error_msg: 'not found schema: nope' });
  });

  void it('validates a body against a resource schema only, with the raw message', async () => {
    const ok = await admin.request('POST', '/apisix/admin/schema/validate/routes', {
      uri: '/a',
      upstream_id: 'does-not-exist',
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.text, '');
    const bad = await admin.request('POST', '/apisix/admin/schema/validate/routes', { uri: 1 });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error_msg, /^property "uri" validation failed/);
    const unknown = await admin.request('POST', '/apisix/admin/schema/validate/foo', {});
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { error_msg: 'Unsupported resource type: foo' });
  });

  void it('requires the admin key to validate', async () => {
    const res = await admin.request(
      'POST',
      '/apisix/admin/schema/validate/routes',
      {},
      { 'X-No-Key': '1' },
    );
    assert.equal(res.status, 401);
    const viewer = await admin.request(
      'POST',
      '/apisix/admin/schema/validate/routes',
      {},
      { 'X-API-KEY': VIEWER_KEY },
    );
    assert.equal(viewer.status, 401);
  });

  void it('reloads plugins on PUT and explains the method otherwise', async () => {
    const res = await admin.request('PUT', '/apisix/admin/plugins/reload');
    assert.equal(res.status, 200);
    assert.equal(res.text, 'done');
    assert.equal(admin.reloads, 1);
    for (const method of ['GET', 'POST', 'DELETE', 'PATCH']) {
      const other = await admin.request(method, '/apisix/admin/plugins/reload');
      assert.equal(other.status, 405);
      assert.deepEqual(other.body, {
        error_msg: `please use PUT method to reload the plugins, ${method} method is not allowed.`,
      });
    }
    assert.equal(admin.reloads, 1);
  });

  void it('refuses writes to /plugins/{name}', async () => {
    const res = await admin.request('PUT', '/apisix/admin/plugins/limit-count', {});
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { error_msg: 'not found' });
  });
});
