import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestGateway } from './lib/gateway.js';

const MISSING = '{"message":"Missing API key in request"}\n';
const INVALID = '{"message":"Invalid API key in request"}\n';

void describe('key-auth over traffic', () => {
  const gw = useTestGateway();
  before(async () => {
    await gw.put('/consumers', {
      username: 'ka_jack',
      labels: { custom_id: 'cid-7' },
      plugins: { 'key-auth': { key: 'jack-key' } },
    });
    await gw.put('/consumers/ka_jack/credentials/c1', {
      plugins: { 'key-auth': { key: 'cred-key' } },
    });
    await gw.put('/consumers', { username: 'ka_anon' });
  });

  /** The headers the upstream got for the last request. */
  const upstreamHeaders = () => gw.echo.received.at(-1)?.headers ?? {};

  void test('rejects a request without a key with 401, WWW-Authenticate and a JSON message', async () => {
    await gw.put('/routes/ka-plain', {
      uri: '/ka/plain',
      plugins: { 'key-auth': {} },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/ka/plain');
    assert.equal(reply.status, 401);
    assert.equal(reply.body, MISSING);
    assert.equal(reply.headers['www-authenticate'], 'apikey realm="key"');
    assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
  });

  void test('rejects an unknown key with 401 "Invalid API key in request"', async () => {
    const reply = await gw.request('/ka/plain', { headers: { apikey: 'nope' } });
    assert.equal(reply.status, 401);
    assert.equal(reply.body, INVALID);
    assert.equal(reply.headers['www-authenticate'], 'apikey realm="key"');
  });

  void test('passes a known key in the header, naming the consumer and its custom id upstream', async () => {
    const reply = await gw.request('/ka/plain', { headers: { apikey: 'jack-key' } });
    assert.equal(reply.status, 200);
    const seen = upstreamHeaders();
    assert.equal(seen['x-consumer-username'], 'ka_jack');
    assert.equal(seen['x-consumer-custom-id'], 'cid-7');
    assert.equal(seen['x-credential-identifier'], undefined);
    assert.equal(seen['apikey'], 'jack-key', 'the key is kept without hide_credentials');
  });

  void test("strips a client's own consumer headers the consumer has no value for", async () => {
    await gw.put('/consumers', {
      username: 'ka_plain',
      plugins: { 'key-auth': { key: 'plain-key' } },
    });
    const reply = await gw.request('/ka/plain', {
      headers: {
        apikey: 'plain-key',
        'X-Credential-Identifier': 'forged',
        'X-Consumer-Custom-Id': 'forged',
        'X-Consumer-Username': 'forged',
      },
    });
    assert.equal(reply.status, 200);
    const seen = upstreamHeaders();
    assert.equal(seen['x-consumer-username'], 'ka_plain');
    assert.equal(seen['x-credential-identifier'], undefined);
    assert.equal(seen['x-consumer-custom-id'], undefined);
  });

  void test('passes a key in the query string when the header is absent', async () => {
    assert.equal((await gw.request('/ka/plain?apikey=jack-key')).status, 200);
    assert.equal(gw.echo.received.at(-1)?.url, '/ka/plain?apikey=jack-key');
    const headerWins = await gw.request('/ka/plain?apikey=jack-key', {
      headers: { apikey: 'nope' },
    });
    assert.equal(headerWins.body, INVALID);
  });

  void test('passes a credential key and names the credential upstream', async () => {
    assert.equal((await gw.request('/ka/plain', { headers: { apikey: 'cred-key' } })).status, 200);
    assert.equal(upstreamHeaders()['x-consumer-username'], 'ka_jack');
    assert.equal(upstreamHeaders()['x-credential-identifier'], 'c1');
  });

  void test('reads the configured header and query names and hides the key from the upstream', async () => {
    await gw.put('/routes/ka-hide', {
      uri: '/ka/hide',
      plugins: {
        'key-auth': { header: 'x-api', query: 'k', hide_credentials: true, realm: 'shop' },
      },
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/ka/hide', { headers: { 'x-api': 'jack-key' } })).status, 200);
    assert.equal(upstreamHeaders()['x-api'], undefined);
    assert.equal((await gw.request('/ka/hide?a=1&k=jack-key')).status, 200);
    assert.equal(gw.echo.received.at(-1)?.url, '/ka/hide?a=1');
    const refused = await gw.request('/ka/hide', { headers: { apikey: 'jack-key' } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers['www-authenticate'], 'apikey realm="shop"');
  });

  void test('lets a request without a valid key through as the anonymous consumer', async () => {
    await gw.put('/routes/ka-anon', {
      uri: '/ka/anon',
      plugins: { 'key-auth': { anonymous_consumer: 'ka_anon', hide_credentials: true } },
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/ka/anon')).status, 200);
    assert.equal(upstreamHeaders()['x-consumer-username'], 'ka_anon');
    assert.equal(
      (await gw.request('/ka/anon?apikey=bad', { headers: { apikey: 'bad' } })).status,
      200,
    );
    assert.equal(upstreamHeaders()['x-consumer-username'], 'ka_anon');
    assert.equal(upstreamHeaders()['apikey'], undefined, 'a rejected key is stripped too');
    assert.equal(gw.echo.received.at(-1)?.url, '/ka/anon');
    assert.equal((await gw.request('/ka/anon', { headers: { apikey: 'jack-key' } })).status, 200);
    assert.equal(upstreamHeaders()['x-consumer-username'], 'ka_jack');
  });

  void test('rejects with "Invalid user authorization" when the anonymous consumer does not exist', async () => {
    await gw.put('/routes/ka-ghost', {
      uri: '/ka/ghost',
      plugins: { 'key-auth': { anonymous_consumer: 'ka_ghost' } },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/ka/ghost');
    assert.equal(reply.status, 401);
    assert.equal(reply.body, '{"message":"Invalid user authorization"}\n');
    assert.equal(reply.headers['www-authenticate'], 'apikey realm="key"');
  });

  void test('refuses bad route and consumer confs and a duplicate key with 400', async () => {
    const route = await gw.admin('PUT', '/routes/ka-bad', {
      uri: '/ka/bad',
      plugins: { 'key-auth': { header: 1 } },
      upstream: gw.upstream,
    });
    assert.equal(route.status, 400);
    assert.deepEqual(JSON.parse(route.body), {
      error_msg:
        'failed to check the configuration of plugin key-auth err: property "header" validation failed: wrong type: expected string, got number',
    });
    const realm = await gw.admin('PUT', '/routes/ka-bad', {
      uri: '/ka/bad',
      plugins: { 'key-auth': { realm: 'a"b' } },
      upstream: gw.upstream,
    });
    assert.equal(realm.status, 400);
    assert.match(
      JSON.parse(realm.body).error_msg,
      /^failed to check the configuration of plugin key-auth err: property "realm" validation failed/,
    );
    const consumer = await gw.admin('PUT', '/consumers', {
      username: 'ka_bad',
      plugins: { 'key-auth': {} },
    });
    assert.equal(consumer.status, 400);
    assert.deepEqual(JSON.parse(consumer.body), {
      error_msg:
        'invalid plugins configuration: failed to check the configuration of plugin key-auth err: property "key" is required',
    });
    const duplicate = await gw.admin('PUT', '/consumers', {
      username: 'ka_dup',
      plugins: { 'key-auth': { key: 'jack-key' } },
    });
    assert.equal(duplicate.status, 400);
    assert.match(
      JSON.parse(duplicate.body).error_msg,
      /duplicate key of plugin key-auth found with consumer: ka_jack/,
    );
  });

  void test('authenticates on a route through its service', async () => {
    await gw.put('/services/ka-svc', { plugins: { 'key-auth': {} }, upstream: gw.upstream });
    await gw.put('/routes/ka-svc', { uri: '/ka/service', service_id: 'ka-svc' });
    assert.equal((await gw.request('/ka/service')).body, MISSING);
    assert.equal(
      (await gw.request('/ka/service', { headers: { apikey: 'jack-key' } })).status,
      200,
    );
  });

  void test('authenticates on a route through its plugin_config', async () => {
    await gw.put('/plugin_configs/ka-pc', { plugins: { 'key-auth': { header: 'x-pc-key' } } });
    await gw.put('/routes/ka-pc', {
      uri: '/ka/plugin-config',
      plugin_config_id: 'ka-pc',
      upstream: gw.upstream,
    });
    assert.equal(
      (await gw.request('/ka/plugin-config', { headers: { apikey: 'jack-key' } })).status,
      401,
    );
    assert.equal(
      (await gw.request('/ka/plugin-config', { headers: { 'x-pc-key': 'jack-key' } })).status,
      200,
    );
  });

  void test('authenticates every route under a global rule', async () => {
    await gw.put('/routes/ka-open', { uri: '/ka/open', upstream: gw.upstream });
    assert.equal((await gw.request('/ka/open')).status, 200);
    await gw.put('/global_rules/ka', { plugins: { 'key-auth': {} } });
    try {
      const refused = await gw.request('/ka/open');
      assert.equal(refused.status, 401);
      assert.equal(refused.body, MISSING);
      assert.equal((await gw.request('/ka/open', { headers: { apikey: 'jack-key' } })).status, 200);
      assert.equal(upstreamHeaders()['x-consumer-username'], 'ka_jack');
    } finally {
      await gw.delete('/global_rules/ka');
    }
  });
});
