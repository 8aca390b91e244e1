import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import refererRestriction from '../../src/plugins/referer-restriction.js';
import { fakeContext } from '../support/fake-plugin-context.js';
import { startTestGateway, type TestGateway } from '../support/plugin-gateway.js';
import { confError, prepared } from './lib/conf.js';

const DENIED = '{"message":"Your referer host is not allowed"}\n';
const WHITE = { whitelist: ['*.xx.com', 'yy.com'] };
const BLACK = { blacklist: ['*.xx.com', 'yy.com'] };

void describe('referer-restriction hooks', () => {
  const cases = [
    { desc: 'an exact whitelisted host', conf: WHITE, referer: 'http://yy.com/x', ok: true },
    {
      desc: 'a host under a whitelisted wildcard',
      conf: WHITE,
      referer: 'https://www.xx.com:8443/',
      ok: true,
    },
    { desc: 'the wildcard domain itself', conf: WHITE, referer: 'http://xx.com', ok: false },
    {
      desc: 'a host that is not whitelisted',
      conf: WHITE,
      referer: 'http://www.yy.com',
      ok: false,
    },
    { desc: 'a scheme-relative Referer', conf: WHITE, referer: '//yy.com/a', ok: true },
    {
      desc: 'a Referer that is not an http(s) URL',
      conf: WHITE,
      referer: 'ftp://yy.com',
      ok: false,
    },
    { desc: 'a missing Referer', conf: WHITE, referer: undefined, ok: false },
    {
      desc: 'a missing Referer with bypass_missing',
      conf: { ...WHITE, bypass_missing: true },
      referer: undefined,
      ok: true,
    },
    { desc: 'a blacklisted host', conf: BLACK, referer: 'http://a.b.xx.com', ok: false },
    { desc: 'a host the blacklist does not name', conf: BLACK, referer: 'http://zz.com', ok: true },
    {
      desc: 'a bracketed IPv6 host in the whitelist',
      conf: { whitelist: ['[::1]'] },
      referer: 'http://[::1]:80/',
      ok: true,
    },
    {
      desc: 'any host with the * pattern',
      conf: { whitelist: ['*'] },
      referer: 'http://any.where',
      ok: true,
    },
  ];
  for (const c of cases) {
    void test(`${c.ok ? 'lets through' : 'refuses'} ${c.desc}`, () => {
      const headers: Record<string, string> = c.referer === undefined ? {} : { Referer: c.referer };
      const result = refererRestriction.access?.(
        prepared(refererRestriction, c.conf),
        fakeContext({ headers }),
      );
      if (c.ok) assert.equal(result, undefined);
      else
        assert.deepEqual(result, {
          status: 403,
          body: { message: 'Your referer host is not allowed' },
        });
    });
  }

  const schemaCases = [
    {
      desc: 'both lists',
      conf: { whitelist: ['a.com'], blacklist: ['b.com'] },
      err: 'value should match only one schema, but matches both schemas 1 and 2',
    },
    {
      desc: 'a host pattern with a path',
      conf: { whitelist: ['a.com/x'] },
      err: 'property "whitelist" validation failed: failed to validate item 1: failed to match pattern "^\\\\*$|^\\\\*?[0-9a-zA-Z-._\\\\[\\\\]:]+$" with "a.com/x"',
    },
  ];
  for (const c of schemaCases) {
    void test(`refuses a conf with ${c.desc}`, () => {
      assert.equal(confError(refererRestriction, c.conf), c.err);
    });
  }
});

void describe('referer-restriction over traffic', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw?.close();
  });

  const referer = (value: string, headers: Record<string, string> = {}) => ({
    headers: { Referer: value, ...headers },
  });

  void test('lets a whitelisted Referer through and refuses another with 403', async () => {
    await gw.put('/routes/rr-white', {
      uri: '/rr/white',
      plugins: { 'referer-restriction': WHITE },
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/rr/white', referer('http://www.xx.com/page'))).status, 200);
    const refused = await gw.request('/rr/white', referer('http://evil.com'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body, DENIED);
    assert.equal(refused.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal((await gw.request('/rr/white')).status, 403);
  });

  void test('refuses a blacklisted Referer with the configured message, and bypasses a missing one', async () => {
    await gw.put('/routes/rr-black', {
      uri: '/rr/black',
      plugins: {
        'referer-restriction': { ...BLACK, bypass_missing: true, message: 'no hotlinking' },
      },
      upstream: gw.upstream,
    });
    const refused = await gw.request('/rr/black', referer('https://yy.com/'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body, '{"message":"no hotlinking"}\n');
    assert.equal((await gw.request('/rr/black', referer('https://zz.com/'))).status, 200);
    assert.equal((await gw.request('/rr/black')).status, 200);
  });

  void test('refuses confs the schema rejects with 400', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'value should match only one schema, but matches none'],
      [
        { whitelist: [] },
        'property "whitelist" validation failed: expect array to have at least 1 items',
      ],
      [
        { blacklist: ['a.com'], bypass_missing: 1 },
        'property "bypass_missing" validation failed: wrong type: expected boolean, got number',
      ],
    ];
    for (const [conf, err] of cases) {
      const reply = await gw.admin('PUT', '/routes/rr-bad', {
        uri: '/rr/bad',
        plugins: { 'referer-restriction': conf },
        upstream: gw.upstream,
      });
      assert.equal(reply.status, 400);
      assert.deepEqual(JSON.parse(reply.body), {
        error_msg: `failed to check the configuration of plugin referer-restriction err: ${err}`,
      });
    }
  });

  void test('applies the restriction configured on a service', async () => {
    await gw.put('/services/rr-svc', {
      plugins: { 'referer-restriction': { blacklist: ['svc.bad'] } },
      upstream: gw.upstream,
    });
    await gw.put('/routes/rr-svc', { uri: '/rr/service', service_id: 'rr-svc' });
    assert.equal((await gw.request('/rr/service', referer('http://svc.bad/'))).status, 403);
    assert.equal((await gw.request('/rr/service', referer('http://svc.good/'))).status, 200);
  });

  void test('applies the restriction configured on a plugin_config', async () => {
    await gw.put('/plugin_configs/rr-pc', {
      plugins: { 'referer-restriction': { whitelist: ['pc.ok'] } },
    });
    await gw.put('/routes/rr-pc', {
      uri: '/rr/plugin-config',
      plugin_config_id: 'rr-pc',
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/rr/plugin-config', referer('http://pc.ok/'))).status, 200);
    assert.equal((await gw.request('/rr/plugin-config', referer('http://pc.ko/'))).status, 403);
  });

  void test('applies the restriction of a consumer once key-auth identified it', async () => {
    await gw.put('/consumers', {
      username: 'rr_jack',
      plugins: {
        'key-auth': { key: 'rr-jack-key' },
        'referer-restriction': { whitelist: ['jack.site'] },
      },
    });
    await gw.put('/routes/rr-consumer', {
      uri: '/rr/consumer',
      plugins: { 'key-auth': {} },
      upstream: gw.upstream,
    });
    const key = { apikey: 'rr-jack-key' };
    assert.equal((await gw.request('/rr/consumer', referer('http://jack.site/', key))).status, 200);
    const refused = await gw.request('/rr/consumer', referer('http://other.site/', key));
    assert.equal(refused.status, 403);
    assert.equal(refused.body, DENIED);
  });

  void test('applies the restriction of a global rule to every route', async () => {
    await gw.put('/routes/rr-plain', { uri: '/rr/plain', upstream: gw.upstream });
    await gw.put('/global_rules/rr', {
      plugins: { 'referer-restriction': { blacklist: ['global.bad'], bypass_missing: true } },
    });
    try {
      assert.equal((await gw.request('/rr/plain', referer('http://global.bad/'))).status, 403);
      assert.equal((await gw.request('/rr/plain', referer('http://global.ok/'))).status, 200);
    } finally {
      await gw.delete('/global_rules/rr');
    }
    assert.equal((await gw.request('/rr/plain', referer('http://global.bad/'))).status, 200);
  });
});
