import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_CERT, TEST_KEY } from './fixtures.js';
import { startAdmin, type TestAdmin } from './helpers.js';

const UPSTREAM = { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } };
const LIMIT = { count: 1, time_window: 60 };
const PROTO = `syntax = "proto3";
package helloworld;
service Greeter { rpc SayHello (HelloRequest) returns (HelloReply) {} }
message HelloRequest { string name = 1; }
message HelloReply { string message = 1; }`;

/** One valid body per resource kind with a plain `/{dir}/{id}` URL. */
const KINDS: { dir: string; body: Record<string, unknown>; post: boolean; patch: boolean }[] = [
  { dir: 'routes', body: { uri: '/a', upstream: UPSTREAM }, post: true, patch: true },
  { dir: 'services', body: { upstream: UPSTREAM }, post: true, patch: true },
  { dir: 'upstreams', body: UPSTREAM, post: true, patch: true },
  { dir: 'consumer_groups', body: { plugins: {} }, post: false, patch: true },
  {
    dir: 'ssls',
    body: { cert: TEST_CERT, key: TEST_KEY, snis: ['test.com'] },
    post: true,
    patch: true,
  },
  { dir: 'global_rules', body: { plugins: {} }, post: false, patch: true },
  { dir: 'plugin_configs', body: { plugins: {} }, post: false, patch: true },
  { dir: 'protos', body: { content: PROTO }, post: true, patch: false },
  {
    dir: 'stream_routes',
    body: { server_port: 9100, upstream: UPSTREAM },
    post: true,
    patch: false,
  },
];

const KIND_NOUN: Record<string, string> = {
  consumer_groups: 'consumer group',
  global_rules: 'global rule',
  plugin_configs: 'plugin config',
  protos: 'proto',
  stream_routes: 'stream route',
};

void describe('every resource kind', () => {
  let admin: TestAdmin;
  before(async () => {
    admin = await startAdmin();
  });
  after(() => admin.close());

  for (const { dir, body, post, patch } of KINDS) {
    void it(`${dir}: PUT, GET, list, ${post ? 'POST' : 'POST 405'}, ${patch ? 'PATCH' : 'PATCH 405'}, DELETE`, async () => {
      const put = await admin.request('PUT', `/apisix/admin/${dir}/k1`, body);
      assert.equal(put.status, 201, put.text);
      assert.equal(put.body.key, `/apisix/${dir}/k1`);
      assert.equal(put.body.value.id, 'k1');
      const get = await admin.request('GET', `/apisix/admin/${dir}/k1`);
      assert.equal(get.status, 200);
      const list = await admin.request('GET', `/apisix/admin/${dir}`);
      assert.equal(list.body.total, 1);

      const posted = await admin.request('POST', `/apisix/admin/${dir}`, body);
      if (post) assert.equal(posted.status, 201, posted.text);
      else {
        assert.equal(posted.status, 405);
        assert.deepEqual(posted.body, {
          error_msg: `not supported \`POST\` method for ${KIND_NOUN[dir] ?? ''}`,
        });
      }
      // A global rule has no desc; its plugins sub-path is what people patch.
      const [patchPath, patchBody] =
        dir === 'global_rules'
          ? ['k1/plugins', { 'limit-count': LIMIT }]
          : ['k1', { desc: 'patched' }];
      const patched = await admin.request('PATCH', `/apisix/admin/${dir}/${patchPath}`, patchBody);
      if (patch) {
        assert.equal(patched.status, 200, patched.text);
        if (dir === 'global_rules')
          assert.deepEqual(patched.body.value.plugins, { 'limit-count': LIMIT });
        else assert.equal(patched.body.value.desc, 'patched');
      } else assert.equal(patched.status, 405);

      const del = await admin.request('DELETE', `/apisix/admin/${dir}/k1`);
      assert.deepEqual(del.body, { deleted: '1', key: `/apisix/${dir}/k1` });
    });
  }

  void it('consumers: keyed by username, no id stored, POST and PATCH 405, wrong username', async () => {
    const put = await admin.request('PUT', '/apisix/admin/consumers', { username: 'jack' });
    assert.equal(put.status, 201);
    assert.equal(put.body.key, '/apisix/consumers/jack');
    assert.equal(put.body.value.id, undefined);
    const byUrl = await admin.request('PUT', '/apisix/admin/consumers/jack', {
      username: 'jack',
      desc: 'd',
    });
    assert.equal(byUrl.status, 200);
    const wrong = await admin.request('PUT', '/apisix/admin/consumers/jack', { username: 'rose' });
    assert.deepEqual(wrong.body, { error_msg: 'wrong username' });
    const post = await admin.request('POST', '/apisix/admin/consumers', { username: 'x' });
    assert.equal(post.status, 405);
    assert.deepEqual(post.body, { error_msg: 'not supported `POST` method for consumer' });
    const patch = await admin.request('PATCH', '/apisix/admin/consumers/jack', { desc: 'x' });
    assert.deepEqual(patch.body, { error_msg: 'not supported `PATCH` method for consumer' });
  });

  void it('credentials: live under their consumer, which must exist', async () => {
    await admin.request('PUT', '/apisix/admin/consumers', { username: 'cred_owner' });
    const put = await admin.request('PUT', '/apisix/admin/consumers/cred_owner/credentials/c1', {
      plugins: { 'key-auth': { key: 'k-one' } },
    });
    assert.equal(put.status, 201, put.text);
    assert.equal(put.body.key, '/apisix/consumers/cred_owner/credentials/c1');
    assert.equal(put.body.value.id, 'c1');
    const byBody = await admin.request('PUT', '/apisix/admin/consumers/cred_owner/credentials', {
      id: 'c2',
      plugins: { 'key-auth': { key: 'k-two' } },
    });
    assert.equal(byBody.status, 201, byBody.text);
    const list = await admin.request('GET', '/apisix/admin/consumers/cred_owner/credentials');
    assert.equal(list.body.total, 2);
    const consumers = await admin.request('GET', '/apisix/admin/consumers');
    assert.ok(consumers.body.list.every((i: { key: string }) => !i.key.includes('/credentials/')));
    const orphan = await admin.request('PUT', '/apisix/admin/consumers/ghost/credentials/c1', {
      plugins: { 'key-auth': { key: 'k-three' } },
    });
    assert.equal(orphan.status, 404);
    assert.deepEqual(orphan.body, { error_msg: 'consumer not found' });
    const none = await admin.request('GET', '/apisix/admin/consumers/ghost/credentials');
    assert.equal(none.status, 404);
    assert.deepEqual(none.body, { message: 'Key not found' });
  });

  void it('refuses an auth key already used by another consumer or credential, even encrypted at rest', async () => {
    await admin.request('PUT', '/apisix/admin/consumers', {
      username: 'dup_a',
      plugins: { 'key-auth': { key: 'shared-key' } },
    });
    await admin.request('PUT', '/apisix/admin/consumers', { username: 'dup_b' });
    const before = await admin.revision();
    const clash = await admin.request('PUT', '/apisix/admin/consumers/dup_b/credentials/c1', {
      plugins: { 'key-auth': { key: 'shared-key' } },
    });
    assert.equal(clash.status, 400, clash.text);
    assert.match(
      clash.body.error_msg,
      /duplicate key of plugin key-auth found with consumer: dup_a/,
    );
    assert.equal(await admin.revision(), before);
    const own = await admin.request('PUT', '/apisix/admin/consumers', {
      username: 'dup_a',
      plugins: { 'key-auth': { key: 'shared-key' } },
    });
    assert.equal(own.status, 200, own.text);
  });

  void it('deleting a consumer deletes its credentials', async () => {
    await admin.request('PUT', '/apisix/admin/consumers', { username: 'leaving' });
    await admin.request('PUT', '/apisix/admin/consumers/leaving/credentials/c1', {
      plugins: { 'key-auth': { key: 'k-leaving' } },
    });
    const del = await admin.request('DELETE', '/apisix/admin/consumers/leaving');
    assert.deepEqual(del.body, { deleted: '1', key: '/apisix/consumers/leaving' });
    assert.equal(await admin.store.get('/apisix/consumers/leaving/credentials/c1'), undefined);
  });

  void it('plugin_metadata: keyed by plugin name, id stored, no timestamps, unknown plugin refused', async () => {
    const put = await admin.request('PUT', '/apisix/admin/plugin_metadata/example-plugin', {
      ikey: 1,
      skey: 's',
    });
    assert.equal(put.status, 201, put.text);
    assert.deepEqual(put.body, {
      key: '/apisix/plugin_metadata/example-plugin',
      value: { ikey: 1, skey: 's', id: 'example-plugin' },
    });
    const bad = await admin.request('PUT', '/apisix/admin/plugin_metadata/nope', {
      ikey: 1,
      skey: 's',
    });
    assert.deepEqual(bad.body, { error_msg: 'invalid plugin name' });
    const post = await admin.request('POST', '/apisix/admin/plugin_metadata', {});
    assert.equal(post.status, 405);
  });

  void it('secrets: /secrets/{manager}/{id}, id stored as manager/id, unknown manager refused', async () => {
    const vault = { uri: 'http://127.0.0.1:8200', prefix: 'kv/apisix', token: 'root' };
    const put = await admin.request('PUT', '/apisix/admin/secrets/vault/1', vault);
    assert.equal(put.status, 201, put.text);
    assert.equal(put.body.key, '/apisix/secrets/vault/1');
    assert.equal(put.body.value.id, 'vault/1');
    const get = await admin.request('GET', '/apisix/admin/secrets/vault/1');
    assert.equal(get.body.value.uri, vault.uri);
    const list = await admin.request('GET', '/apisix/admin/secrets');
    assert.equal(list.body.total, 1);
    const bad = await admin.request('PUT', '/apisix/admin/secrets/azure/1', vault);
    assert.deepEqual(bad.body, { error_msg: 'invalid secret manager: azure' });
    const patch = await admin.request('PATCH', '/apisix/admin/secrets/vault/1', { token: 't2' });
    assert.equal(patch.body.value.token, 't2');
    const del = await admin.request('DELETE', '/apisix/admin/secrets/vault/1');
    assert.deepEqual(del.body, { deleted: '1', key: '/apisix/secrets/vault/1' });
  });
});

void describe('references', () => {
  let admin: TestAdmin;
  before(async () => {
    admin = await startAdmin();
  });
  after(() => admin.close());

  void it('refuses references to missing objects on write', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [
        '/apisix/admin/routes/1',
        { uri: '/a', service_id: 's404' },
        'failed to fetch service info by service id [s404], response code: 404',
      ],
      [
        '/apisix/admin/routes/1',
        { uri: '/a', plugin_config_id: 'p404', upstream: UPSTREAM },
        'failed to fetch plugin config info by plugin config id [p404], response code: 404',
      ],
      [
        '/apisix/admin/services/1',
        { upstream_id: 'u404' },
        'failed to fetch upstream info by upstream id [u404], response code: 404',
      ],
      [
        '/apisix/admin/consumers',
        { username: 'g', group_id: 'g404' },
        'failed to fetch consumer group info by consumer group id [g404], response code: 404',
      ],
    ];
    for (const [path, body, message] of cases) {
      const before = await admin.revision();
      const res = await admin.request('PUT', path, body);
      assert.equal(res.status, 400, path);
      assert.deepEqual(res.body, { error_msg: message });
      assert.equal(await admin.revision(), before);
    }
  });

  void it('refuses to delete what is in use unless force=true (exactly)', async () => {
    await admin.request('PUT', '/apisix/admin/upstreams/u1', UPSTREAM);
    await admin.request('PUT', '/apisix/admin/services/s1', { upstream_id: 'u1' });
    await admin.request('PUT', '/apisix/admin/plugin_configs/pc1', { plugins: {} });
    await admin.request('PUT', '/apisix/admin/routes/r1', {
      uri: '/a',
      service_id: 's1',
      plugin_config_id: 'pc1',
    });
    await admin.request('PUT', '/apisix/admin/consumer_groups/g1', { plugins: {} });
    await admin.request('PUT', '/apisix/admin/consumers', { username: 'member', group_id: 'g1' });

    const blocked: [string, string][] = [
      [
        '/apisix/admin/services/s1',
        'can not delete this service directly, route [r1] is still using it now',
      ],
      [
        '/apisix/admin/upstreams/u1',
        'can not delete this upstream, service [s1] is still using it now',
      ],
      [
        '/apisix/admin/plugin_configs/pc1',
        'can not delete this plugin config, route [r1] is still using it now',
      ],
      [
        '/apisix/admin/consumer_groups/g1',
        'can not delete this consumer group, consumer [member] is still using it now',
      ],
    ];
    for (const [path, message] of blocked) {
      const before = await admin.revision();
      const res = await admin.request('DELETE', path);
      assert.equal(res.status, 400, path);
      assert.deepEqual(res.body, { error_msg: message });
      const notForced = await admin.request('DELETE', `${path}?force=yes`);
      assert.equal(notForced.status, 400);
      assert.equal(await admin.revision(), before);
    }
    const forced = await admin.request('DELETE', '/apisix/admin/services/s1?force=true');
    assert.equal(forced.status, 200);
  });
});
