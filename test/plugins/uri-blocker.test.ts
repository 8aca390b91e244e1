import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import uriBlocker from '../../src/plugins/uri-blocker.js';
import { fakeContext } from '../support/fake-plugin-context.js';
import { startTestGateway, type TestGateway } from '../support/plugin-gateway.js';
import { confError, prepared } from './lib/conf.js';

void describe('uri-blocker hooks', () => {
  const cases = [
    {
      desc: 'a path a rule finds',
      conf: { block_rules: ['root.exe', 'root.m+'] },
      url: '/a/root.exe',
      blocked: true,
    },
    {
      desc: 'a query a rule finds',
      conf: { block_rules: ['x=1'] },
      url: '/a?y=2&x=1',
      blocked: true,
    },
    {
      desc: 'a path no rule finds',
      conf: { block_rules: ['^/admin'] },
      url: '/public/admin',
      blocked: false,
    },
    {
      desc: 'a path in other case',
      conf: { block_rules: ['/ADMIN'] },
      url: '/admin',
      blocked: false,
    },
    {
      desc: 'a path in other case with case_insensitive',
      conf: { block_rules: ['/ADMIN'], case_insensitive: true },
      url: '/admin',
      blocked: true,
    },
    {
      desc: 'a path a rule with its own (?i) finds',
      conf: { block_rules: ['^/x', '(?i)\\.PHP$'] },
      url: '/a/b.php',
      blocked: true,
    },
  ];
  for (const c of cases) {
    void test(`${c.blocked ? 'refuses' : 'lets through'} ${c.desc}`, () => {
      const result = uriBlocker.rewrite?.(
        prepared(uriBlocker, c.conf),
        fakeContext({ url: c.url }),
      );
      if (c.blocked) assert.deepEqual(result, { status: 403 });
      else assert.equal(result, undefined);
    });
  }

  void test('refuses with rejected_code and an error_msg body when rejected_msg is set', () => {
    const p = prepared(uriBlocker, {
      block_rules: ['^/x'],
      rejected_code: 410,
      rejected_msg: 'gone',
    });
    assert.deepEqual(uriBlocker.rewrite?.(p, fakeContext({ url: '/x' })), {
      status: 410,
      body: { error_msg: 'gone' },
    });
  });

  const schemaCases = [
    { desc: 'no block_rules', conf: {}, err: 'property "block_rules" is required' },
    {
      desc: 'a rule that does not compile',
      conf: { block_rules: ['.+('] },
      err: 'pcre_compile() failed: missing ) in ".+("',
    },
    {
      desc: 'an empty rejected_msg',
      conf: { block_rules: ['a'], rejected_msg: '' },
      err: 'property "rejected_msg" validation failed: string too short, expected at least 1, got 0',
    },
    {
      desc: 'a boolean rejected_msg',
      conf: { block_rules: ['a'], rejected_msg: true },
      err: 'property "rejected_msg" validation failed: wrong type: expected string, got boolean',
    },
  ];
  for (const c of schemaCases) {
    void test(`refuses a conf with ${c.desc}`, () => {
      assert.equal(confError(uriBlocker, c.conf), c.err);
    });
  }
});

void describe('uri-blocker over traffic', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw?.close();
  });

  void test('refuses a blocked URI with the 403 page and lets others through', async () => {
    await gw.put('/routes/ub-page', {
      uri: '/ub/page/*',
      plugins: { 'uri-blocker': { block_rules: ['root\\.exe', 'secret=1'] } },
      upstream: gw.upstream,
    });
    const refused = await gw.request('/ub/page/root.exe');
    assert.equal(refused.status, 403);
    assert.match(refused.body, /<title>403 Forbidden<\/title>/);
    assert.equal((await gw.request('/ub/page/a?secret=1')).status, 403);
    assert.equal((await gw.request('/ub/page/rootaexe')).status, 200);
  });

  void test('refuses with rejected_code and an error_msg JSON body', async () => {
    await gw.put('/routes/ub-msg', {
      uri: '/ub/msg/*',
      plugins: {
        'uri-blocker': {
          block_rules: ['/PRIVATE/'],
          case_insensitive: true,
          rejected_code: 410,
          rejected_msg: 'access is not allowed',
        },
      },
      upstream: gw.upstream,
    });
    const refused = await gw.request('/ub/msg/private/x');
    assert.equal(refused.status, 410);
    assert.equal(refused.body, '{"error_msg":"access is not allowed"}\n');
    assert.equal(refused.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal((await gw.request('/ub/msg/public/x')).status, 200);
  });

  void test('matches the normalised request URI, not the raw one', async () => {
    await gw.put('/routes/ub-norm', {
      uri: '/ub/norm/*',
      plugins: { 'uri-blocker': { block_rules: ['/ub/norm/admin'] } },
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/ub/norm/x/../admin')).status, 403);
  });

  void test('refuses confs the schema or the regex check reject with 400', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'property "block_rules" is required'],
      [{ block_rules: ['^b('] }, 'pcre_compile() failed: missing ) in "^b("'],
      [
        { block_rules: ['a'], rejected_code: 100 },
        'property "rejected_code" validation failed: expected 100 to be at least 200',
      ],
    ];
    for (const [conf, err] of cases) {
      const reply = await gw.admin('PUT', '/routes/ub-bad', {
        uri: '/ub/bad',
        plugins: { 'uri-blocker': conf },
        upstream: gw.upstream,
      });
      assert.equal(reply.status, 400);
      assert.deepEqual(JSON.parse(reply.body), {
        error_msg: `failed to check the configuration of plugin uri-blocker err: ${err}`,
      });
    }
  });

  void test('applies the rules configured on a service', async () => {
    await gw.put('/services/ub-svc', {
      plugins: { 'uri-blocker': { block_rules: ['svc-blocked'] } },
      upstream: gw.upstream,
    });
    await gw.put('/routes/ub-svc', { uri: '/ub/service/*', service_id: 'ub-svc' });
    assert.equal((await gw.request('/ub/service/svc-blocked')).status, 403);
    assert.equal((await gw.request('/ub/service/ok')).status, 200);
  });

  void test('applies the rules configured on a plugin_config', async () => {
    await gw.put('/plugin_configs/ub-pc', {
      plugins: { 'uri-blocker': { block_rules: ['pc-blocked'] } },
    });
    await gw.put('/routes/ub-pc', {
      uri: '/ub/pc/*',
      plugin_config_id: 'ub-pc',
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/ub/pc/pc-blocked')).status, 403);
    assert.equal((await gw.request('/ub/pc/ok')).status, 200);
  });

  void test('applies the rules of a consumer once key-auth identified it', async () => {
    await gw.put('/consumers', {
      username: 'ub_jack',
      plugins: {
        'key-auth': { key: 'ub-jack-key' },
        'uri-blocker': { block_rules: ['jack-blocked'], rejected_msg: 'not for jack' },
      },
    });
    await gw.put('/consumers', {
      username: 'ub_rose',
      plugins: { 'key-auth': { key: 'ub-rose-key' } },
    });
    await gw.put('/routes/ub-consumer', {
      uri: '/ub/consumer/*',
      plugins: { 'key-auth': {} },
      upstream: gw.upstream,
    });
    const jack = await gw.request('/ub/consumer/jack-blocked', {
      headers: { apikey: 'ub-jack-key' },
    });
    assert.equal(jack.status, 403);
    assert.equal(jack.body, '{"error_msg":"not for jack"}\n');
    const rose = await gw.request('/ub/consumer/jack-blocked', {
      headers: { apikey: 'ub-rose-key' },
    });
    assert.equal(rose.status, 200);
  });

  void test('applies the rules of a global rule to every route', async () => {
    await gw.put('/routes/ub-plain', { uri: '/ub/plain/*', upstream: gw.upstream });
    await gw.put('/global_rules/ub', {
      plugins: { 'uri-blocker': { block_rules: ['global-blocked'] } },
    });
    try {
      assert.equal((await gw.request('/ub/plain/global-blocked')).status, 403);
      assert.equal((await gw.request('/ub/plain/ok')).status, 200);
    } finally {
      await gw.delete('/global_rules/ub');
    }
    assert.equal((await gw.request('/ub/plain/global-blocked')).status, 200);
  });
});
