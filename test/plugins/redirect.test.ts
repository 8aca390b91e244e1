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

void describe('redirect over traffic', () => {
  const gw = useTestGateway({
    pluginAttr: [
      '  prometheus: { enable_export_server: false }',
      '  redirect: { https_port: 8443 }',
    ],
  });

  const route = (id: string, conf: Record<string, unknown>, uri = `/${id}`) =>
    gw.put(`/routes/${id}`, { uri, plugins: { redirect: conf }, upstream: gw.upstream });
  const host = { host: 'shop.example.com' };

  void test("redirects to a uri template with 302, Location and nginx's page", async () => {
    await route('rd-uri', { uri: '/new$uri?from=${arg_from}' });
    const reply = await gw.request('/rd-uri?from=old');
    assert.equal(reply.status, 302);
    assert.equal(reply.headers['location'], '/new/rd-uri?from=old');
    // nginx's own page for the status (the runtime writes it: spec §0.4).
    assert.match(reply.body, /^<html>\r\n<head><title>302 /);
    assert.equal(reply.headers['content-type'], 'text/html; charset=utf-8');
  });

  void test('uses ret_code, and appends the query string when asked', async () => {
    await route('rd-code', { uri: '$uri/next?x=1', ret_code: 301, append_query_string: true });
    const reply = await gw.request('/rd-code?a=b');
    assert.equal(reply.status, 301);
    assert.equal(reply.headers['location'], '/rd-code/next?x=1&a=b');
  });

  void test('encodes the path part with encode_uri', async () => {
    await route('rd-encode', { uri: '$uri', encode_uri: true }, '/rd-encode/*');
    const reply = await gw.request('/rd-encode/with%20space');
    assert.equal(reply.headers['location'], '/rd-encode/with%20space');
  });

  void test('redirects by regex_uri and lets a path it does not match through', async () => {
    await gw.put('/routes/rd-regex', {
      uris: ['/rd-regex/*', '/rd-other'],
      plugins: { redirect: { regex_uri: ['^/rd-regex/(.*)', 'http://test.com/${1}'] } },
      upstream: gw.upstream,
    });
    const hit = await gw.request('/rd-regex/item/1');
    assert.equal(hit.status, 302);
    assert.equal(hit.headers['location'], 'http://test.com/item/1');
    const miss = await gw.request('/rd-other');
    assert.equal(miss.status, 200);
    assert.equal(miss.headers['x-upstream'], 'echo');
  });

  void test('http_to_https: 301 for GET to the https port of plugin_attr, 308 for POST', async () => {
    await route('rd-https', { http_to_https: true, ret_code: 302 });
    const get = await gw.request('/rd-https?q=1', { headers: host });
    assert.equal(get.status, 301);
    assert.equal(get.headers['location'], 'https://shop.example.com:8443/rd-https?q=1');
    const post = await gw.request('/rd-https', { method: 'POST', headers: host, body: 'x' });
    assert.equal(post.status, 308);
  });

  void test('http_to_https leaves a request that X-Forwarded-Proto says was https', async () => {
    const reply = await gw.request('/rd-https', {
      headers: { ...host, 'x-forwarded-proto': 'https' },
    });
    assert.equal(reply.status, 200);
  });

  void test('refuses bad confs through the Admin API with APISIX messages', async () => {
    const cases: Array<[unknown, string]> = [
      [{ ret_code: 301 }, 'value should match only one schema, but matches none'],
      [
        { uri: '/a', http_to_https: true },
        'value should match only one schema, but matches both schemas 1 and 3',
      ],
      [
        { http_to_https: true, append_query_string: true },
        'only one of `http_to_https` and `append_query_string` can be configured.',
      ],
      [
        { regex_uri: ['^/(a)', '/$x'] },
        'invalid regex_uri (^/(a), /$x), err:failed to compile the replacement template',
      ],
      [
        { uri: '/x', ret_code: 100 },
        'property "ret_code" validation failed: expected 100 to be at least 200',
      ],
    ];
    await expectRefused(gw, 'redirect', cases);
  });

  void test('works from a service', async () => {
    const reply = await gw.request(await viaService(gw, 'rd-svc', { redirect: { uri: '/svc' } }));
    assert.equal(reply.headers['location'], '/svc');
  });

  void test('works from a plugin_config', async () => {
    const path = await viaPluginConfig(gw, 'rd-pc', { redirect: { uri: '/pc' } });
    assert.equal((await gw.request(path)).headers['location'], '/pc');
  });

  void test('works from a consumer once key-auth identified it', async () => {
    const { path, jack, rose } = await viaConsumer(gw, 'rd-consumer', {
      redirect: { uri: '/jack-home' },
    });
    const byJack = await gw.request(path, { headers: jack });
    assert.equal(byJack.status, 302);
    assert.equal(byJack.headers['location'], '/jack-home');
    assert.equal((await gw.request(path, { headers: rose })).status, 200);
  });

  void test('works from a global rule', async () => {
    const plugins = { redirect: { regex_uri: ['^/rd-global$', '/elsewhere'] } };
    const path = await viaGlobalRule(gw, 'rd-global', plugins, async (p) => {
      const moved = await gw.request(p);
      assert.equal(moved.status, 302);
      assert.equal(moved.headers['location'], '/elsewhere');
    });
    assert.equal((await gw.request(path)).status, 200);
  });

  void test('escapes a decoded CR/LF or non-Latin-1 $uri in Location, as OpenResty, and stays up', async () => {
    await route('rd-hostile', { uri: '/to$uri' }, '/rd-hostile/*');
    const crlf = await gw.request('/rd-hostile/%0d%0aSet-Cookie:%20a=1');
    assert.equal(crlf.status, 302);
    assert.equal(crlf.headers['location'], '/to/rd-hostile/%0D%0ASet-Cookie: a=1');
    assert.equal(crlf.headers['set-cookie'], undefined);
    const wide = await gw.request('/rd-hostile/%e4%b8%ad');
    assert.equal(wide.status, 302);
    // The UTF-8 bytes, as node's client reads them (Latin-1).
    assert.equal(wide.headers['location'], '/to/rd-hostile/\u00e4\u00b8\u00ad');
    assert.doesNotMatch(gw.output(), /worker exited unexpectedly/);
  });
});
