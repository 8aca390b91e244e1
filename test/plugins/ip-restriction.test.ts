import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ipRestriction from '../../src/plugins/ip-restriction.js';
import { fakeContext } from '../support/fake-plugin-context.js';
import { startTestGateway, type TestGateway } from '../support/plugin-gateway.js';
import { confError, prepared } from './lib/conf.js';

const DENIED = '{"message":"Your IP address is not allowed"}\n';

void describe('ip-restriction hooks', () => {
  const cases = [
    {
      desc: 'IPv4 in a whitelisted CIDR',
      conf: { whitelist: ['10.0.0.0/8'] },
      ip: '10.1.2.3',
      ok: true,
    },
    {
      desc: 'IPv4 outside the whitelist',
      conf: { whitelist: ['10.0.0.0/8'] },
      ip: '11.0.0.1',
      ok: false,
    },
    {
      desc: 'IPv4 equal to a whitelisted address',
      conf: { whitelist: ['192.168.1.7'] },
      ip: '192.168.1.7',
      ok: true,
    },
    {
      desc: 'IPv6 in a whitelisted CIDR',
      conf: { whitelist: ['fe80::/32'] },
      ip: 'fe80::1:1',
      ok: true,
    },
    {
      desc: 'IPv6 outside the whitelist',
      conf: { whitelist: ['fe80::/32'] },
      ip: '2001:db8::1',
      ok: false,
    },
    { desc: 'IPv6 in the blacklist', conf: { blacklist: ['::1'] }, ip: '::1', ok: false },
    {
      desc: 'IPv4 in a blacklisted CIDR',
      conf: { blacklist: ['127.0.0.0/24'] },
      ip: '127.0.0.9',
      ok: false,
    },
    {
      desc: 'IPv4 outside the blacklist',
      conf: { blacklist: ['127.0.0.0/24'] },
      ip: '10.0.0.1',
      ok: true,
    },
  ];
  for (const c of cases) {
    void test(`${c.ok ? 'lets through' : 'refuses'} ${c.desc}`, () => {
      const result = ipRestriction.access?.(
        prepared(ipRestriction, c.conf),
        fakeContext({ clientIp: c.ip }),
      );
      if (c.ok) assert.equal(result, undefined);
      else
        assert.deepEqual(result, {
          status: 403,
          body: { message: 'Your IP address is not allowed' },
        });
    });
  }

  void test('refuses with the configured message and response_code', () => {
    const p = prepared(ipRestriction, {
      blacklist: ['10.0.0.1'],
      message: 'go away',
      response_code: 404,
    });
    assert.deepEqual(ipRestriction.access?.(p, fakeContext({ clientIp: '10.0.0.1' })), {
      status: 404,
      body: { message: 'go away' },
    });
  });

  const schemaCases = [
    { desc: 'neither list', conf: {}, err: 'value should match only one schema, but matches none' },
    {
      desc: 'both lists',
      conf: { whitelist: ['172.17.40.0/24'], blacklist: ['10.255.0.0/16'] },
      err: 'value should match only one schema, but matches both schemas 1 and 2',
    },
    {
      desc: 'an empty list',
      conf: { blacklist: [] },
      err: 'property "blacklist" validation failed: expect array to have at least 1 items',
    },
    {
      desc: 'an entry that is no address',
      conf: { whitelist: ['::ffgg'] },
      err: 'property "whitelist" validation failed: failed to validate item 1: object matches none of the required',
    },
    {
      desc: 'an IPv6 prefix over 128',
      conf: { whitelist: ['::1/129'] },
      err: 'invalid ip address: ::1/129',
    },
    {
      desc: 'a response_code over 404',
      conf: { whitelist: ['::1'], response_code: 409 },
      err: 'property "response_code" validation failed: expected 409 to be at most 404',
    },
  ];
  for (const c of schemaCases) {
    void test(`refuses a conf with ${c.desc}`, () => {
      assert.equal(confError(ipRestriction, c.conf), c.err);
    });
  }
});

void describe('ip-restriction over traffic', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw?.close();
  });

  // The gateway believes X-Real-IP from 127.0.0.1 (APISIX's default real_ip_from).
  const from = (ip: string, headers: Record<string, string> = {}) => ({
    headers: { 'X-Real-IP': ip, ...headers },
  });

  void test('lets a whitelisted client through and refuses another with 403 and a JSON message', async () => {
    await gw.put('/routes/ipr-white', {
      uri: '/ipr/white',
      plugins: { 'ip-restriction': { whitelist: ['10.0.0.0/8', 'fe80::/32'] } },
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/ipr/white', from('10.1.2.3'))).status, 200);
    assert.equal((await gw.request('/ipr/white', from('fe80::1:1'))).status, 200);
    const refused = await gw.request('/ipr/white', from('192.168.0.1'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body, DENIED);
    assert.equal(refused.headers['content-type'], 'text/plain; charset=utf-8');
  });

  void test('refuses a blacklisted client with the configured message and response_code', async () => {
    await gw.put('/routes/ipr-black', {
      uri: '/ipr/black',
      plugins: {
        'ip-restriction': {
          blacklist: ['10.0.0.1', '::1'],
          message: 'blocked',
          response_code: 404,
        },
      },
      upstream: gw.upstream,
    });
    const refused = await gw.request('/ipr/black', from('10.0.0.1'));
    assert.equal(refused.status, 404);
    assert.equal(refused.body, '{"message":"blocked"}\n');
    assert.equal((await gw.request('/ipr/black', from('::1'))).status, 404);
    assert.equal((await gw.request('/ipr/black', from('10.0.0.2'))).status, 200);
  });

  void test('refuses confs the schema or the address check reject with 400', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'value should match only one schema, but matches none'],
      [{ whitelist: ['::1/129'] }, 'invalid ip address: ::1/129'],
      [
        { blacklist: ['10.0.0.0/33'] },
        'property "blacklist" validation failed: failed to validate item 1: object matches none of the required',
      ],
    ];
    for (const [conf, err] of cases) {
      const reply = await gw.admin('PUT', '/routes/ipr-bad', {
        uri: '/ipr/bad',
        plugins: { 'ip-restriction': conf },
        upstream: gw.upstream,
      });
      assert.equal(reply.status, 400);
      assert.deepEqual(JSON.parse(reply.body), {
        error_msg: `failed to check the configuration of plugin ip-restriction err: ${err}`,
      });
    }
  });

  void test('applies the restriction configured on a service', async () => {
    await gw.put('/services/ipr-svc', {
      plugins: { 'ip-restriction': { blacklist: ['10.0.0.5'] } },
      upstream: gw.upstream,
    });
    await gw.put('/routes/ipr-svc', { uri: '/ipr/service', service_id: 'ipr-svc' });
    assert.equal((await gw.request('/ipr/service', from('10.0.0.5'))).status, 403);
    assert.equal((await gw.request('/ipr/service', from('10.0.0.6'))).status, 200);
  });

  void test('applies the restriction configured on a plugin_config', async () => {
    await gw.put('/plugin_configs/ipr-pc', {
      plugins: { 'ip-restriction': { whitelist: ['10.0.0.6'] } },
    });
    await gw.put('/routes/ipr-pc', {
      uri: '/ipr/plugin-config',
      plugin_config_id: 'ipr-pc',
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/ipr/plugin-config', from('10.0.0.6'))).status, 200);
    assert.equal((await gw.request('/ipr/plugin-config', from('10.0.0.7'))).status, 403);
  });

  void test('applies the restriction of a consumer once key-auth identified it', async () => {
    await gw.put('/consumers', {
      username: 'ipr_jack',
      plugins: {
        'key-auth': { key: 'ipr-jack-key' },
        'ip-restriction': { blacklist: ['10.0.0.8'] },
      },
    });
    await gw.put('/consumers', {
      username: 'ipr_rose',
      plugins: { 'key-auth': { key: 'ipr-rose-key' } },
    });
    await gw.put('/routes/ipr-consumer', {
      uri: '/ipr/consumer',
      plugins: { 'key-auth': {} },
      upstream: gw.upstream,
    });
    const jack = await gw.request('/ipr/consumer', from('10.0.0.8', { apikey: 'ipr-jack-key' }));
    assert.equal(jack.status, 403);
    assert.equal(jack.body, DENIED);
    const rose = await gw.request('/ipr/consumer', from('10.0.0.8', { apikey: 'ipr-rose-key' }));
    assert.equal(rose.status, 200);
    const jackElsewhere = await gw.request(
      '/ipr/consumer',
      from('10.0.0.9', { apikey: 'ipr-jack-key' }),
    );
    assert.equal(jackElsewhere.status, 200);
  });

  void test('applies the restriction of a global rule to every route', async () => {
    await gw.put('/routes/ipr-plain', { uri: '/ipr/plain', upstream: gw.upstream });
    await gw.put('/global_rules/ipr', {
      plugins: { 'ip-restriction': { blacklist: ['10.0.0.10'] } },
    });
    try {
      const refused = await gw.request('/ipr/plain', from('10.0.0.10'));
      assert.equal(refused.status, 403);
      assert.equal(refused.body, DENIED);
      assert.equal((await gw.request('/ipr/plain', from('10.0.0.11'))).status, 200);
    } finally {
      await gw.delete('/global_rules/ipr');
    }
    assert.equal((await gw.request('/ipr/plain', from('10.0.0.10'))).status, 200);
  });
});
