import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestGateway } from './lib/gateway.js';

const basic = (userPass: string) => ({
  headers: { authorization: `Basic ${Buffer.from(userPass).toString('base64')}` },
});
const body = (message: string) => `{"message":"${message}"}\n`;

void describe('basic-auth over traffic', () => {
  const gw = useTestGateway();
  before(async () => {
    await gw.put('/consumers', {
      username: 'ba_jack',
      labels: { custom_id: 'jack-1' },
      plugins: { 'basic-auth': { username: 'jack', password: 'jack-pw' } },
    });
    await gw.put('/consumers/ba_jack/credentials/laptop', {
      plugins: { 'basic-auth': { username: 'jack2', password: 'pw2' } },
    });
    await gw.put('/consumers', { username: 'ba_anon' });
    await gw.put('/routes/ba', {
      uri: '/ba/plain',
      plugins: { 'basic-auth': {} },
      upstream: gw.upstream,
    });
  });

  const upstreamHeaders = () => gw.echo.received.at(-1)?.headers ?? {};

  void test('rejects a request without Authorization with 401 and WWW-Authenticate Basic', async () => {
    const reply = await gw.request('/ba/plain');
    assert.equal(reply.status, 401);
    assert.equal(reply.body, body('Missing authorization in request'));
    assert.equal(reply.headers['www-authenticate'], 'Basic realm="basic"');
  });

  void test('rejects a header that is not Basic base64 with "Invalid authorization in request"', async () => {
    for (const authorization of [
      'Bearer abc',
      'Basic !!!',
      `Basic ${Buffer.from('nocolon').toString('base64')}`,
    ]) {
      const reply = await gw.request('/ba/plain', { headers: { authorization } });
      assert.equal(reply.status, 401, authorization);
      assert.equal(reply.body, body('Invalid authorization in request'));
    }
  });

  void test('rejects an unknown user and a wrong password with "Invalid user authorization"', async () => {
    for (const userPass of ['bob:jack-pw', 'jack:wrong', 'jack:jack']) {
      const reply = await gw.request('/ba/plain', basic(userPass));
      assert.equal(reply.status, 401);
      assert.equal(reply.body, body('Invalid user authorization'));
      assert.equal(reply.headers['www-authenticate'], 'Basic realm="basic"');
    }
  });

  void test('passes the right username and password, naming the consumer upstream', async () => {
    const reply = await gw.request('/ba/plain', basic('jack:jack-pw'));
    assert.equal(reply.status, 200);
    assert.equal(upstreamHeaders()['x-consumer-username'], 'ba_jack');
    assert.equal(upstreamHeaders()['x-consumer-custom-id'], 'jack-1');
    assert.ok(upstreamHeaders()['authorization']?.startsWith('Basic '));
    // As APISIX: only the first two ':'-separated fields count.
    assert.equal((await gw.request('/ba/plain', basic('jack:jack-pw:more'))).status, 200);
  });

  void test('passes a credential and names it upstream', async () => {
    assert.equal((await gw.request('/ba/plain', basic('jack2:pw2'))).status, 200);
    assert.equal(upstreamHeaders()['x-consumer-username'], 'ba_jack');
    assert.equal(upstreamHeaders()['x-credential-identifier'], 'laptop');
  });

  void test('hides Authorization from the upstream and says the configured realm', async () => {
    await gw.put('/routes/ba-hide', {
      uri: '/ba/hide',
      plugins: { 'basic-auth': { hide_credentials: true, realm: 'staff only' } },
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/ba/hide', basic('jack:jack-pw'))).status, 200);
    assert.equal(upstreamHeaders()['authorization'], undefined);
    assert.equal(
      (await gw.request('/ba/hide')).headers['www-authenticate'],
      'Basic realm="staff only"',
    );
  });

  void test('lets a failed request through as the anonymous consumer, or 401 when it is missing', async () => {
    await gw.put('/routes/ba-anon', {
      uri: '/ba/anon',
      plugins: { 'basic-auth': { anonymous_consumer: 'ba_anon' } },
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/ba/anon', basic('jack:wrong'))).status, 200);
    assert.equal(upstreamHeaders()['x-consumer-username'], 'ba_anon');
    await gw.put('/routes/ba-anon', {
      uri: '/ba/anon',
      plugins: { 'basic-auth': { anonymous_consumer: 'ba_ghost' } },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/ba/anon');
    assert.equal(reply.status, 401);
    assert.equal(reply.body, body('Invalid user authorization'));
  });

  void test('refuses a consumer without password and a bad route conf with 400', async () => {
    const consumer = await gw.admin('PUT', '/consumers', {
      username: 'ba_bad',
      plugins: { 'basic-auth': { username: 'x' } },
    });
    assert.equal(consumer.status, 400);
    assert.deepEqual(JSON.parse(consumer.body), {
      error_msg:
        'invalid plugins configuration: failed to check the configuration of plugin basic-auth err: property "password" is required',
    });
    const route = await gw.admin('PUT', '/routes/ba-bad', {
      uri: '/ba/bad',
      plugins: { 'basic-auth': { hide_credentials: 'yes' } },
      upstream: gw.upstream,
    });
    assert.equal(route.status, 400);
    assert.deepEqual(JSON.parse(route.body), {
      error_msg:
        'failed to check the configuration of plugin basic-auth err: property "hide_credentials" validation failed: wrong type: expected boolean, got string',
    });
  });

  void test('authenticates through a service, a plugin_config and a global rule', async () => {
    await gw.put('/services/ba-svc', { plugins: { 'basic-auth': {} }, upstream: gw.upstream });
    await gw.put('/routes/ba-svc', { uri: '/ba/service', service_id: 'ba-svc' });
    await gw.put('/plugin_configs/ba-pc', { plugins: { 'basic-auth': { realm: 'pc' } } });
    await gw.put('/routes/ba-pc', {
      uri: '/ba/plugin-config',
      plugin_config_id: 'ba-pc',
      upstream: gw.upstream,
    });
    await gw.put('/routes/ba-open', { uri: '/ba/open', upstream: gw.upstream });
    for (const uri of ['/ba/service', '/ba/plugin-config']) {
      assert.equal((await gw.request(uri)).status, 401, uri);
      assert.equal((await gw.request(uri, basic('jack:jack-pw'))).status, 200, uri);
    }
    assert.equal(
      (await gw.request('/ba/plugin-config')).headers['www-authenticate'],
      'Basic realm="pc"',
    );
    await gw.put('/global_rules/ba', { plugins: { 'basic-auth': {} } });
    try {
      assert.equal((await gw.request('/ba/open')).body, body('Missing authorization in request'));
      assert.equal((await gw.request('/ba/open', basic('jack:jack-pw'))).status, 200);
      assert.equal(upstreamHeaders()['x-consumer-username'], 'ba_jack');
    } finally {
      await gw.delete('/global_rules/ba');
    }
  });
});
