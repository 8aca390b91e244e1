import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestGateway } from './lib/gateway.js';
import {
  expectRefused,
  viaConsumer,
  viaGlobalRule,
  viaPluginConfig,
  viaService,
} from './lib/placements.js';

void describe('proxy-rewrite over traffic', () => {
  const gw = useTestGateway();

  /** What the upstream received for the last request. */
  const seen = () => {
    const r = gw.echo.received.at(-1);
    assert.ok(r, 'the upstream got no request');
    return r;
  };

  void test('rewrites the path with a uri template and keeps the query', async () => {
    await gw.put('/routes/pr-uri', {
      uri: '/pr/uri/*',
      plugins: { 'proxy-rewrite': { uri: '/v2$uri' } },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/pr/uri/a?x=1&y=2');
    assert.equal(reply.status, 200);
    assert.equal(seen().url, '/v2/pr/uri/a?x=1&y=2');
  });

  void test('rewrites the path with regex_uri captures, the first matching pair wins', async () => {
    await gw.put('/routes/pr-regex', {
      uri: '/pr/regex/*',
      plugins: {
        'proxy-rewrite': {
          regex_uri: ['^/pr/regex/none/(.*)', '/none/$1', '^/pr/regex/(\\w+)/(\\w+)', '/$2/$1'],
          headers: { set: { 'X-First': '$1', 'X-Uri': '$uri' } },
        },
      },
      upstream: gw.upstream,
    });
    await gw.request('/pr/regex/users/42?k=v');
    assert.equal(seen().url, '/42/users?k=v');
    assert.equal(seen().headers['x-first'], 'users');
    assert.equal(seen().headers['x-uri'], '/pr/regex/users/42');
  });

  void test('keeps the path when no regex_uri pair matches', async () => {
    await gw.request('/pr/regex/only');
    assert.equal(seen().url, '/pr/regex/only');
  });

  void test('changes the method and the Host sent upstream', async () => {
    await gw.put('/routes/pr-host', {
      uri: '/pr/host',
      plugins: { 'proxy-rewrite': { method: 'POST', host: 'api.example.com' } },
      upstream: gw.upstream,
    });
    await gw.request('/pr/host', { headers: { host: 'client.example.com' } });
    assert.equal(seen().method, 'POST');
    assert.equal(seen().headers.host, 'api.example.com');
  });

  void test('adds, sets and removes request headers, in that order', async () => {
    await gw.put('/routes/pr-headers', {
      uri: '/pr/headers',
      plugins: {
        'proxy-rewrite': {
          headers: {
            add: { 'X-Add': ['a1', 'a2'] },
            set: { 'X-Set': 'v-$arg_v', 'X-Both': 'set' },
            remove: ['X-Remove', 'X-Both'],
          },
        },
      },
      upstream: gw.upstream,
    });
    await gw.request('/pr/headers?v=7', {
      headers: { 'x-add': 'orig', 'x-set': 'old', 'x-remove': 'r', 'x-both': 'b' },
    });
    const h = seen().headers;
    assert.equal(h['x-add'], 'orig, a1, a2');
    assert.equal(h['x-set'], 'v-7');
    assert.equal(h['x-remove'], undefined);
    assert.equal(h['x-both'], undefined);
  });

  void test('sets headers given in the flat form', async () => {
    await gw.put('/routes/pr-flat', {
      uri: '/pr/flat',
      plugins: { 'proxy-rewrite': { headers: { 'X-Api-Version': 'v2', 'X-Num': 3 } } },
      upstream: gw.upstream,
    });
    await gw.request('/pr/flat');
    assert.equal(seen().headers['x-api-version'], 'v2');
    assert.equal(seen().headers['x-num'], '3');
  });

  void test('re-encodes the path it sends and escapes a ? brought in by a variable', async () => {
    await gw.put('/routes/pr-encode', {
      uri: '/pr/encode/*',
      plugins: { 'proxy-rewrite': { uri: '/e/$arg_q' } },
      upstream: gw.upstream,
    });
    await gw.request('/pr/encode/x?q=a%3Fb');
    // As APISIX: the variable's text is escaped again as a path (%3F -> %253F).
    assert.equal(seen().url, '/e/a%253Fb?q=a%3Fb');
    await gw.request('/pr/encode/with%20space');
    assert.equal(seen().url, '/e/');
  });

  void test('use_real_request_uri_unsafe sends the raw request uri', async () => {
    await gw.put('/routes/pr-unsafe', {
      uri: '/pr/unsafe/*',
      plugins: { 'proxy-rewrite': { use_real_request_uri_unsafe: true } },
      upstream: gw.upstream,
    });
    await gw.request('/pr/unsafe/a%2Fb?x=%20');
    assert.equal(seen().url, '/pr/unsafe/a%2Fb?x=%20');
  });

  void test('refuses bad confs through the Admin API with APISIX messages', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'expect object to have at least 1 properties'],
      [
        { uri: 'home' },
        'property "uri" validation failed: failed to match pattern "^\\\\/.*" with "home"',
      ],
      [{ regex_uri: ['^/a', '/b', '^/c'] }, 'The length of regex_uri should be an even number'],
      [
        { regex_uri: ['^/(a)', '/$bad'] },
        'invalid regex_uri(^/(a), /$bad): failed to compile the replacement template',
      ],
      [{ headers: { 'X-Api:Version': 'v' } }, 'invalid field character in header'],
      [{ method: 'FETCH' }, 'property "method" validation failed: matches none of the enum values'],
    ];
    await expectRefused(gw, 'proxy-rewrite', cases);
  });

  void test('works from a service', async () => {
    await gw.request(await viaService(gw, 'pr-svc', { 'proxy-rewrite': { uri: '/from-service' } }));
    assert.equal(seen().url, '/from-service');
  });

  void test('works from a plugin_config', async () => {
    const path = await viaPluginConfig(gw, 'pr-pc', { 'proxy-rewrite': { uri: '/from-pc' } });
    await gw.request(path);
    assert.equal(seen().url, '/from-pc');
  });

  void test('works from a consumer once key-auth identified it', async () => {
    const { path, jack, rose } = await viaConsumer(gw, 'pr-consumer', {
      'proxy-rewrite': { uri: '/jack$uri', headers: { set: { 'X-Who': '$consumer_name' } } },
    });
    await gw.request(path, { headers: jack });
    assert.equal(seen().url, '/jack/pr-consumer');
    assert.equal(seen().headers['x-who'], 'pr-consumer_jack');
    await gw.request(path, { headers: rose });
    assert.equal(seen().url, '/pr-consumer');
  });

  void test('keeps the query as earlier plugins left it (key-auth hide_credentials)', async () => {
    await gw.put('/consumers', {
      username: 'pr_hide',
      plugins: { 'key-auth': { key: 'pr-hide' } },
    });
    await gw.put('/routes/pr-hide', {
      uri: '/pr/hide',
      plugins: {
        'key-auth': { hide_credentials: true },
        'proxy-rewrite': { uri: '/hidden' },
      },
      upstream: gw.upstream,
    });
    await gw.request('/pr/hide?apikey=pr-hide&x=1');
    assert.equal(seen().url, '/hidden?x=1');
  });

  void test('works from a global rule, on every route', async () => {
    const plugins = { 'proxy-rewrite': { headers: { set: { 'X-Global': 'yes' } } } };
    const path = await viaGlobalRule(gw, 'pr-global', plugins, async (p) => {
      await gw.request(p);
      assert.equal(seen().headers['x-global'], 'yes');
    });
    await gw.request(path);
    assert.equal(seen().headers['x-global'], undefined);
  });

  void test('sends a header set from a non-Latin-1 $uri as its UTF-8 bytes, not a 502', async () => {
    await gw.put('/routes/pr-wide', {
      uri: '/pr/wide/*',
      plugins: { 'proxy-rewrite': { headers: { set: { 'X-Uri': '$uri' } } } },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/pr/wide/%e4%b8%ad%0a');
    assert.equal(reply.status, 200);
    // node's server reads header bytes as Latin-1.
    assert.equal(seen().headers['x-uri'], '/pr/wide/\u00e4\u00b8\u00ad%0A');
  });
});
