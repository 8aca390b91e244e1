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

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

void describe('request-id over traffic', () => {
  const gw = useTestGateway();

  const route = (id: string, plugins: Record<string, unknown>) =>
    gw.put(`/routes/${id}`, { uri: `/${id}`, plugins, upstream: gw.upstream });
  const upstreamHeader = (name: string) => gw.echo.received.at(-1)?.headers[name];

  void test('gives each request a uuid, sent upstream and in the response', async () => {
    await route('ri-default', { 'request-id': {} });
    const first = await gw.request('/ri-default');
    const id = first.headers['x-request-id'];
    assert.match(String(id), UUID4);
    assert.equal(upstreamHeader('x-request-id'), id);
    const second = await gw.request('/ri-default');
    assert.notEqual(second.headers['x-request-id'], id);
  });

  void test('keeps the id a client sent, and replaces an empty one', async () => {
    const kept = await gw.request('/ri-default', { headers: { 'X-Request-Id': 'client-id-1' } });
    assert.equal(kept.headers['x-request-id'], 'client-id-1');
    assert.equal(upstreamHeader('x-request-id'), 'client-id-1');
    const empty = await gw.request('/ri-default', { headers: { 'X-Request-Id': '' } });
    assert.match(String(empty.headers['x-request-id']), UUID4);
  });

  void test('uses a custom header and keeps it out of the response when asked', async () => {
    await route('ri-custom', {
      'request-id': { header_name: 'X-Trace', include_in_response: false, algorithm: 'nanoid' },
    });
    const reply = await gw.request('/ri-custom');
    assert.equal(reply.headers['x-trace'], undefined);
    assert.match(String(upstreamHeader('x-trace')), /^[A-Za-z0-9_-]{21}$/);
  });

  void test('range_id with its defaults: 16 characters of the default set', async () => {
    await route('ri-range', { 'request-id': { algorithm: 'range_id' } });
    const reply = await gw.request('/ri-range');
    assert.match(String(reply.headers['x-request-id']), /^[a-zA-Z0-9]{16}$/);
    await route('ri-range8', {
      'request-id': { algorithm: 'range_id', range_id: { length: 8, char_set: 'xyzXYZ' } },
    });
    const short = await gw.request('/ri-range8');
    assert.match(String(short.headers['x-request-id']), /^[xyzXYZ]{8}$/);
    const stored = JSON.parse((await gw.admin('GET', '/routes/ri-range')).body) as {
      value: { plugins: Record<string, unknown> };
    };
    assert.deepEqual(stored.value.plugins['request-id'], { algorithm: 'range_id' });
  });

  void test('puts the id on a response another plugin ended', async () => {
    await route('ri-401', { 'request-id': {}, 'key-auth': {} });
    const reply = await gw.request('/ri-401');
    assert.equal(reply.status, 401);
    assert.match(String(reply.headers['x-request-id']), UUID4);
  });

  void test('refuses bad confs through the Admin API with APISIX messages', async () => {
    const cases: Array<[unknown, string]> = [
      [
        { algorithm: 'snowflake' },
        'property "algorithm" validation failed: matches none of the enum values',
      ],
      [
        { range_id: { length: 5 } },
        'property "range_id" validation failed: property "length" validation failed: expected 5 to be at least 6',
      ],
      [
        { header_name: 7 },
        'property "header_name" validation failed: wrong type: expected string, got number',
      ],
    ];
    await expectRefused(gw, 'request-id', cases);
  });

  void test('works from a service', async () => {
    const path = await viaService(gw, 'ri-svc', { 'request-id': { header_name: 'X-Svc-Id' } });
    assert.match(String((await gw.request(path)).headers['x-svc-id']), UUID4);
  });

  void test('works from a plugin_config', async () => {
    const path = await viaPluginConfig(gw, 'ri-pc', { 'request-id': { header_name: 'X-Pc-Id' } });
    assert.match(String((await gw.request(path)).headers['x-pc-id']), UUID4);
  });

  void test('works from a consumer once key-auth identified it', async () => {
    const { path, jack, rose } = await viaConsumer(gw, 'ri-consumer', {
      'request-id': { header_name: 'X-Jack-Id' },
    });
    const byJack = await gw.request(path, { headers: jack });
    assert.match(String(byJack.headers['x-jack-id']), UUID4);
    assert.equal(upstreamHeader('x-jack-id'), byJack.headers['x-jack-id']);
    const byRose = await gw.request(path, { headers: rose });
    assert.equal(byRose.headers['x-jack-id'], undefined);
  });

  void test('works from a global rule next to a route conf, with different ids', async () => {
    const plugins = { 'request-id': { header_name: 'X-Global-Id' } };
    await viaGlobalRule(gw, 'ri-global', plugins, async () => {
      const reply = await gw.request('/ri-default');
      assert.match(String(reply.headers['x-global-id']), UUID4);
      assert.match(String(reply.headers['x-request-id']), UUID4);
      assert.notEqual(reply.headers['x-global-id'], reply.headers['x-request-id']);
    });
    assert.equal((await gw.request('/ri-default')).headers['x-global-id'], undefined);
  });
});
