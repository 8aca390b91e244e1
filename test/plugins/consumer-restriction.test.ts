import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestGateway } from './lib/gateway.js';

const body = (message: string) => `{"message":"${message}"}\n`;
const JACK = { headers: { apikey: 'cr-jack' } };
const ROSE = { headers: { apikey: 'cr-rose' } };

void describe('consumer-restriction over traffic', () => {
  const gw = useTestGateway();
  before(async () => {
    await gw.put('/consumer_groups/cr_g1', { plugins: {} });
    await gw.put('/consumers', {
      username: 'cr_jack',
      group_id: 'cr_g1',
      plugins: { 'key-auth': { key: 'cr-jack' } },
    });
    await gw.put('/consumers', {
      username: 'cr_rose',
      plugins: { 'key-auth': { key: 'cr-rose' } },
    });
  });

  /** A route at `uri` with key-auth and consumer-restriction `conf`. */
  const restrictedRoute = (id: string, uri: string, conf: Record<string, unknown>) =>
    gw.put(`/routes/${id}`, {
      uri,
      plugins: { 'key-auth': {}, 'consumer-restriction': conf },
      upstream: gw.upstream,
    });

  void test('lets a whitelisted consumer through and rejects another with 403', async () => {
    await restrictedRoute('cr-white', '/cr/white', { whitelist: ['cr_jack'] });
    assert.equal((await gw.request('/cr/white', JACK)).status, 200);
    const refused = await gw.request('/cr/white', ROSE);
    assert.equal(refused.status, 403);
    assert.equal(refused.body, body('The consumer_name is forbidden.'));
    assert.equal(refused.headers['content-type'], 'text/plain; charset=utf-8');
  });

  void test('rejects a blacklisted consumer with rejected_code and rejected_msg', async () => {
    await restrictedRoute('cr-black', '/cr/black', {
      blacklist: ['cr_rose'],
      rejected_code: 409,
      rejected_msg: 'not you',
    });
    const refused = await gw.request('/cr/black', ROSE);
    assert.equal(refused.status, 409);
    assert.equal(refused.body, body('not you'));
    assert.equal((await gw.request('/cr/black', JACK)).status, 200);
  });

  void test('rejects a request no auth plugin identified with 401', async () => {
    await gw.put('/routes/cr-noauth', {
      uri: '/cr/noauth',
      plugins: { 'consumer-restriction': { whitelist: ['cr_jack'] } },
      upstream: gw.upstream,
    });
    const refused = await gw.request('/cr/noauth', JACK);
    assert.equal(refused.status, 401);
    assert.equal(
      refused.body,
      body('The request is rejected, please check the consumer_name for this request'),
    );
  });

  void test('rejects a method that allowed_by_methods does not list for the consumer', async () => {
    await restrictedRoute('cr-methods', '/cr/methods', {
      allowed_by_methods: [{ user: 'cr_jack', methods: ['GET'] }],
    });
    assert.equal((await gw.request('/cr/methods', JACK)).status, 200);
    assert.equal(
      (await gw.request('/cr/methods', { ...JACK, method: 'POST', body: 'x' })).status,
      403,
    );
    assert.equal(
      (await gw.request('/cr/methods', { ...ROSE, method: 'POST', body: 'x' })).status,
      200,
    );
  });

  void test('restricts by consumer group with type consumer_group_id', async () => {
    await restrictedRoute('cr-group', '/cr/group', {
      type: 'consumer_group_id',
      whitelist: ['cr_g1'],
    });
    assert.equal((await gw.request('/cr/group', JACK)).status, 200);
    const refused = await gw.request('/cr/group', ROSE);
    assert.equal(refused.status, 401);
    assert.equal(
      refused.body,
      body('The request is rejected, please check the consumer_group_id for this request'),
    );
  });

  void test('restricts a consumer to routes with type route_id configured on the consumer', async () => {
    await gw.put('/consumers', {
      username: 'cr_limited',
      plugins: {
        'key-auth': { key: 'cr-limited' },
        'consumer-restriction': { type: 'route_id', whitelist: ['cr-mine'] },
      },
    });
    for (const id of ['cr-mine', 'cr-other']) {
      await gw.put(`/routes/${id}`, {
        uri: `/cr/${id}`,
        plugins: { 'key-auth': {} },
        upstream: gw.upstream,
      });
    }
    const limited = { headers: { apikey: 'cr-limited' } };
    assert.equal((await gw.request('/cr/cr-mine', limited)).status, 200);
    const refused = await gw.request('/cr/cr-other', limited);
    assert.equal(refused.status, 403);
    assert.equal(refused.body, body('The route_id is forbidden.'));
    assert.equal(
      (await gw.request('/cr/cr-other', JACK)).status,
      200,
      'other consumers are not restricted',
    );
  });

  void test('restricts by service with type service_id, configured on a service', async () => {
    await gw.put('/services/cr-svc', {
      plugins: {
        'key-auth': {},
        'consumer-restriction': { type: 'service_id', blacklist: ['cr-svc'] },
      },
      upstream: gw.upstream,
    });
    await gw.put('/routes/cr-svc', { uri: '/cr/service', service_id: 'cr-svc' });
    const refused = await gw.request('/cr/service', JACK);
    assert.equal(refused.status, 403);
    assert.equal(refused.body, body('The service_id is forbidden.'));
  });

  void test('restricts through a plugin_config', async () => {
    await gw.put('/plugin_configs/cr-pc', {
      plugins: { 'consumer-restriction': { blacklist: ['cr_jack'] } },
    });
    await gw.put('/routes/cr-pc', {
      uri: '/cr/plugin-config',
      plugin_config_id: 'cr-pc',
      plugins: { 'key-auth': {} },
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/cr/plugin-config', JACK)).status, 403);
    assert.equal((await gw.request('/cr/plugin-config', ROSE)).status, 200);
  });

  void test('restricts every route under a global rule, after the route identified the consumer', async () => {
    await gw.put('/routes/cr-open', {
      uri: '/cr/open',
      plugins: { 'key-auth': {} },
      upstream: gw.upstream,
    });
    await gw.put('/global_rules/cr', {
      plugins: { 'consumer-restriction': { blacklist: ['cr_rose'] } },
    });
    try {
      assert.equal((await gw.request('/cr/open', JACK)).status, 200);
      assert.equal((await gw.request('/cr/open', ROSE)).status, 403);
    } finally {
      await gw.delete('/global_rules/cr');
    }
  });

  void test('refuses a conf without any list and a bad method with 400', async () => {
    const cases: Array<[unknown, string]> = [
      [
        {},
        'object matches none of the required: ["blacklist"] or ["whitelist"] or ["allowed_by_methods"]',
      ],
      [
        { whitelist: [] },
        'property "whitelist" validation failed: expect array to have at least 1 items',
      ],
    ];
    for (const [conf, err] of cases) {
      const reply = await gw.admin('PUT', '/routes/cr-bad', {
        uri: '/cr/bad',
        plugins: { 'consumer-restriction': conf },
        upstream: gw.upstream,
      });
      assert.equal(reply.status, 400);
      assert.deepEqual(JSON.parse(reply.body), {
        error_msg: `failed to check the configuration of plugin consumer-restriction err: ${err}`,
      });
    }
    const method = await gw.admin('PUT', '/routes/cr-bad', {
      uri: '/cr/bad',
      plugins: {
        'consumer-restriction': { allowed_by_methods: [{ user: 'a', methods: ['FETCH'] }] },
      },
      upstream: gw.upstream,
    });
    assert.equal(method.status, 400);
  });
});
