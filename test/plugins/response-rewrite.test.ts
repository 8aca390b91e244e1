import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { freePort } from '../support/free-port.js';
import { useTestGateway } from './lib/gateway.js';
import {
  expectRefused,
  viaConsumer,
  viaGlobalRule,
  viaPluginConfig,
  viaService,
} from './lib/placements.js';

void describe('response-rewrite over traffic', () => {
  const gw = useTestGateway();

  const route = (id: string, plugins: Record<string, unknown>) =>
    gw.put(`/routes/${id}`, { uri: `/${id}`, plugins, upstream: gw.upstream });

  void test('replaces status, body and headers of a proxied response', async () => {
    await route('rr-body', {
      'response-rewrite': {
        status_code: 418,
        body: 'short and stout\n',
        headers: { set: { 'X-Server': 'teapot', 'X-Path': '$uri' }, remove: ['X-Upstream'] },
      },
    });
    const reply = await gw.request('/rr-body');
    assert.equal(reply.status, 418);
    assert.equal(reply.body, 'short and stout\n');
    assert.equal(reply.headers['content-length'], '16');
    assert.equal(reply.headers['x-server'], 'teapot');
    assert.equal(reply.headers['x-path'], '/rr-body');
    assert.equal(reply.headers['x-upstream'], undefined);
  });

  void test('sends a base64 body decoded', async () => {
    await route('rr-b64', {
      'response-rewrite': { body: Buffer.from('decoded\n').toString('base64'), body_base64: true },
    });
    assert.equal((await gw.request('/rr-b64')).body, 'decoded\n');
  });

  void test('adds headers next to the upstream ones and sets them in the flat form', async () => {
    await route('rr-add', { 'response-rewrite': { headers: { add: ['X-Upstream: again'] } } });
    const added = await gw.request('/rr-add');
    assert.equal(added.headers['x-upstream'], 'echo, again');
    await route('rr-flat', { 'response-rewrite': { headers: { 'X-Upstream': 'flat' } } });
    assert.equal((await gw.request('/rr-flat')).headers['x-upstream'], 'flat');
  });

  void test('filters the upstream body with regex substitutions', async () => {
    await route('rr-filter', {
      'response-rewrite': {
        filters: [
          { regex: '"method":"(\\w+)"', replace: '"verb":"$1"' },
          { regex: 'rr-filter', replace: 'FILTERED', scope: 'global' },
        ],
      },
    });
    const reply = await gw.request('/rr-filter?a=rr-filter');
    assert.equal(reply.status, 200);
    const body = JSON.parse(reply.body) as Record<string, unknown>;
    assert.equal(body['verb'], 'GET');
    assert.equal(body['url'], '/FILTERED?a=FILTERED');
    assert.equal(reply.headers['content-length'], undefined);
  });

  void test('applies only when vars match the response', async () => {
    await route('rr-vars', {
      'response-rewrite': { vars: [['status', '==', 500]], body: 'was 500\n' },
    });
    const reply = await gw.request('/rr-vars');
    assert.equal(reply.status, 200);
    assert.notEqual(reply.body, 'was 500\n');
  });

  void test('rewrites a response another plugin ended (a 401 of key-auth)', async () => {
    await route('rr-401', {
      'key-auth': {},
      'response-rewrite': {
        vars: [['status', '==', 401]],
        status_code: 403,
        body: '{"error":"who are you"}',
        headers: { set: { 'Content-Type': 'application/json' } },
      },
    });
    const reply = await gw.request('/rr-401');
    assert.equal(reply.status, 403);
    assert.equal(reply.body, '{"error":"who are you"}');
    assert.equal(reply.headers['content-type'], 'application/json');
  });

  void test('refuses bad confs through the Admin API with APISIX messages', async () => {
    const cases: Array<[unknown, string]> = [
      [
        { status_code: 599 },
        'property "status_code" validation failed: expected 599 to be at most 598',
      ],
      [{ body: 'x', body_base64: true }, 'invalid base64 content'],
      [{ headers: { '': 'x' } }, 'invalid field length in header'],
      // The untyped branch of the headers schema lets any value through to the check.
      [
        { headers: null },
        'property "headers" validation failed: wrong type: expected object, got null',
      ],
      [
        { headers: 'X-A: 1' },
        'property "headers" validation failed: wrong type: expected object, got string',
      ],
      [{ headers: ['X-A: 1'] }, 'invalid type as header field'],
      [{ vars: [[]] }, "failed to validate the 'vars' expression: rule too short"],
      [
        { filters: [{ regex: 'hello', replace: 'x', options: 'h' }] },
        'regex "hello" validation failed: unknown flag "h" (flags "h")',
      ],
      [
        { filters: [{ regex: 'hello' }] },
        'property "filters" validation failed: failed to validate item 1: property "replace" is required',
      ],
    ];
    await expectRefused(gw, 'response-rewrite', cases);
  });

  void test('works from a service', async () => {
    const plugins = { 'response-rewrite': { headers: { set: { 'X-From': 'service' } } } };
    const reply = await gw.request(await viaService(gw, 'rr-svc', plugins));
    assert.equal(reply.headers['x-from'], 'service');
  });

  void test('works from a plugin_config', async () => {
    const plugins = { 'response-rewrite': { headers: { set: { 'X-From': 'plugin_config' } } } };
    const reply = await gw.request(await viaPluginConfig(gw, 'rr-pc', plugins));
    assert.equal(reply.headers['x-from'], 'plugin_config');
  });

  void test('works from a consumer once key-auth identified it', async () => {
    const { path, jack, rose } = await viaConsumer(gw, 'rr-consumer', {
      'response-rewrite': { headers: { set: { 'X-Consumer': '$consumer_name' } } },
    });
    const byJack = await gw.request(path, { headers: jack });
    assert.equal(byJack.headers['x-consumer'], 'rr-consumer_jack');
    const byRose = await gw.request(path, { headers: rose });
    assert.equal(byRose.headers['x-consumer'], undefined);
  });

  void test('works from a global rule, on every route and on a 404', async () => {
    const plugins = { 'response-rewrite': { headers: { set: { 'X-Global': 'yes' } } } };
    const path = await viaGlobalRule(gw, 'rr-global', plugins, async (p) => {
      assert.equal((await gw.request(p)).headers['x-global'], 'yes');
      assert.equal((await gw.request('/rr-no-such-route')).headers['x-global'], 'yes');
    });
    assert.equal((await gw.request(path)).headers['x-global'], undefined);
  });

  void test('escapes a header value set from a hostile $uri, on proxied and error responses', async () => {
    const conf = { headers: { set: { 'X-Uri': '$uri' } } };
    await gw.put('/routes/rr-hostile', {
      uri: '/rr-hostile/*',
      plugins: { 'response-rewrite': conf },
      upstream: gw.upstream,
    });
    const proxied = await gw.request('/rr-hostile/%0d%0aX-Injected:%201');
    assert.equal(proxied.status, 200);
    assert.equal(proxied.headers['x-uri'], '/rr-hostile/%0D%0AX-Injected: 1');
    assert.equal(proxied.headers['x-injected'], undefined);
    const port = await freePort();
    const dead = { type: 'roundrobin', nodes: { [`127.0.0.1:${port}`]: 1 } };
    await gw.put('/routes/rr-hostile-dead', {
      uri: '/rr-hostile-dead/*',
      plugins: { 'response-rewrite': conf },
      upstream: dead,
    });
    const failed = await gw.request('/rr-hostile-dead/%e4%b8%ad');
    assert.equal(failed.status, 502);
    assert.equal(failed.headers['x-uri'], '/rr-hostile-dead/\u00e4\u00b8\u00ad');
    assert.doesNotMatch(gw.output(), /worker exited unexpectedly/);
  });

  void test('filters do not inflate a gzip body past max_resp_body_size (a compression bomb)', async () => {
    const small = gzipSync('a');
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, 'a'));
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(req.url === '/rr-gzip/bomb' ? bomb : small);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      await gw.put('/routes/rr-gzip', {
        uri: '/rr-gzip/*',
        plugins: {
          'response-rewrite': {
            max_resp_body_size: 64 * 1024,
            filters: [{ regex: 'a', replace: 'b', scope: 'global' }],
          },
        },
        upstream: { type: 'roundrobin', nodes: { [`127.0.0.1:${port}`]: 1 } },
      });
      const decoded = await gw.request('/rr-gzip/small');
      assert.equal(decoded.status, 200);
      assert.equal(decoded.body, 'b');
      const kept = await gw.request('/rr-gzip/bomb');
      assert.equal(kept.status, 200);
      // Sent as it came (compressed bytes, read here as text), never 4 MiB of b's.
      assert.ok(kept.body.length <= bomb.length);
      assert.doesNotMatch(kept.body, /bbbb/);
    } finally {
      server.close();
    }
  });
});
