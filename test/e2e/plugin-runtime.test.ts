/**
 * The plugin runtime over real traffic: custom plugins from `gatehouse.plugin_dir`, phase order
 * across plugins (priority, not configuration order; rejections before quota), `_meta`, global
 * rules, and `PUT /apisix/admin/plugins/reload` under load with no failed request.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../support/plugin-gateway.js';

const pluginDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-custom-plugins-'));

/** A custom plugin that appends its name to `x-order` upstream and sets a response header. */
function orderPlugin(name: string, priority: number, tag = 'v1'): string {
  return `export default {
  name: '${name}',
  version: 1,
  priority: ${priority},
  schema: { type: 'object', properties: { label: { type: 'string', default: '${name}' } } },
  prepare(conf) { return { label: conf.label }; },
  rewrite(conf, ctx) {
    const seen = ctx.header('x-order');
    ctx.setHeader('x-order', seen === undefined ? conf.label : seen + ',' + conf.label);
    if (ctx.arg('stop') === conf.label) return { status: 409, body: { stopped: conf.label } };
  },
  headerFilter(conf, ctx) { ctx.response.setHeader('x-${name}', '${tag}'); },
};
`;
}

writeFileSync(path.join(pluginDir, 'order-a.mjs'), orderPlugin('order-a', 60));
writeFileSync(path.join(pluginDir, 'order-b.mjs'), orderPlugin('order-b', 70));

let gw: TestGateway;

before(async () => {
  gw = await startTestGateway({
    workers: 2,
    pluginDir,
    extra: [
      'plugins:',
      '  - order-a',
      '  - order-b',
      '  - key-auth',
      '  - limit-count',
      '  - ip-restriction',
      '  - cors',
    ],
  });
  await gw.put('/consumers/jack', {
    username: 'jack',
    plugins: { 'key-auth': { key: 'jack-key' } },
  });
});

after(async () => {
  await gw?.close();
  rmSync(pluginDir, { recursive: true, force: true });
});

const upstreamSaw = (): Record<string, unknown> => gw.echo.received.at(-1)!.headers;

void describe('custom plugins from gatehouse.plugin_dir', () => {
  void test('are listed, have their schema checked, and run', async () => {
    const list = await gw.admin('GET', '/plugins/list');
    assert.ok((JSON.parse(list.body) as string[]).includes('order-a'));
    const bad = await gw.admin('PUT', '/routes/bad', {
      uri: '/bad',
      plugins: { 'order-a': { label: 5 } },
      upstream: gw.upstream,
    });
    assert.equal(bad.status, 400);
    assert.match(
      bad.body,
      /failed to check the configuration of plugin order-a err: property \\"label\\" validation failed/,
    );
    await gw.put('/routes/custom', {
      uri: '/custom',
      plugins: { 'order-a': {} },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/custom');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['x-order-a'], 'v1');
    assert.equal(upstreamSaw()['x-order'], 'order-a');
  });
});

void describe('phase order', () => {
  void test('plugins run by priority, not in the order they are configured', async () => {
    await gw.put('/routes/order', {
      uri: '/order',
      plugins: { 'order-a': {}, 'order-b': {} },
      upstream: gw.upstream,
    });
    await gw.request('/order');
    assert.equal(upstreamSaw()['x-order'], 'order-b,order-a');
  });

  void test('a returned response ends the phase: later plugins do not run, header filters still do', async () => {
    const reply = await gw.request('/order?stop=order-b');
    assert.equal(reply.status, 409);
    assert.equal(reply.body, '{"stopped":"order-b"}\n');
    assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(reply.headers['x-order-a'], 'v1', 'header_filter of every plugin of the route');
  });

  void test('a request rejected by key-auth does not use up a limit-count quota', async () => {
    await gw.put('/routes/quota', {
      uri: '/quota',
      plugins: { 'key-auth': {}, 'limit-count': { count: 2, time_window: 60 } },
      upstream: gw.upstream,
    });
    for (let i = 0; i < 5; i++) assert.equal((await gw.request('/quota')).status, 401);
    const key = { headers: { apikey: 'jack-key' } };
    assert.equal((await gw.request('/quota', key)).status, 200);
    assert.equal((await gw.request('/quota', key)).status, 200);
    assert.equal((await gw.request('/quota', key)).status, 503);
  });

  void test('ip-restriction refuses a blocked client before its consumer quota is counted', async () => {
    // As APISIX: key-auth runs in rewrite, ip-restriction (3000) in access before the
    // consumer's limit-count (1002); a blocked client with a valid key gets 403 and uses no quota.
    await gw.put('/consumers/quota_user', {
      username: 'quota_user',
      plugins: { 'key-auth': { key: 'quota-key' }, 'limit-count': { count: 1, time_window: 60 } },
    });
    const route = { uri: '/ip-first', upstream: gw.upstream };
    await gw.put('/routes/ip-first', {
      ...route,
      plugins: { 'key-auth': {}, 'ip-restriction': { blacklist: ['127.0.0.0/8'] } },
    });
    const key = { headers: { apikey: 'quota-key' } };
    for (let i = 0; i < 3; i++) {
      const reply = await gw.request('/ip-first', key);
      assert.equal(reply.status, 403);
      assert.equal(reply.body, '{"message":"Your IP address is not allowed"}\n');
    }
    await gw.put('/routes/ip-first', { ...route, plugins: { 'key-auth': {} } });
    assert.equal((await gw.request('/ip-first', key)).status, 200);
    assert.equal((await gw.request('/ip-first', key)).status, 503);
  });

  void test("a consumer group's plugins apply to its consumers; the consumer's own win", async () => {
    await gw.put('/consumer_groups/team', {
      plugins: { 'order-a': { label: 'from-group' }, 'order-b': { label: 'group-b' } },
    });
    await gw.put('/consumers/member', {
      username: 'member',
      group_id: 'team',
      plugins: { 'key-auth': { key: 'member-key' }, 'order-b': { label: 'own-b' } },
    });
    await gw.put('/routes/grouped', {
      uri: '/grouped',
      plugins: { 'key-auth': {} },
      upstream: gw.upstream,
    });
    await gw.request('/grouped', { headers: { apikey: 'member-key' } });
    const saw = upstreamSaw();
    assert.equal(saw['x-order'], 'own-b,from-group');
    assert.equal(saw['x-consumer-username'], 'member');
    const missing = await gw.request('/grouped', { headers: { apikey: 'jack-key' } });
    assert.equal(missing.status, 200);
    assert.equal(upstreamSaw()['x-order'], undefined, 'another consumer gets none of them');
  });

  void test('_meta.error_response replaces a rejection body; _meta.filter skips a plugin', async () => {
    await gw.put('/routes/meta', {
      uri: '/meta',
      plugins: {
        'key-auth': { _meta: { error_response: { msg: 'who are you' } } },
        'order-a': { _meta: { filter: [['arg_skip', '~=', '1']] } },
      },
      upstream: gw.upstream,
    });
    const rejected = await gw.request('/meta');
    assert.equal(rejected.status, 401);
    assert.equal(rejected.body, '{"msg":"who are you"}\n');
    await gw.request('/meta?skip=1', { headers: { apikey: 'jack-key' } });
    assert.equal(upstreamSaw()['x-order'], undefined);
    await gw.request('/meta', { headers: { apikey: 'jack-key' } });
    assert.equal(upstreamSaw()['x-order'], 'order-a');
  });

  void test('global rules run for every route, before the route plugins, and for unmatched requests', async () => {
    await gw.put('/global_rules/g1', { plugins: { 'order-b': { label: 'global' } } });
    await gw.request('/custom');
    assert.equal(upstreamSaw()['x-order'], 'global,order-a');
    const missing = await gw.request('/no-such-route');
    assert.equal(missing.status, 404);
    assert.equal(missing.body, '{"error_msg":"404 Route Not Found"}\n');
    assert.equal(missing.headers['x-order-b'], 'v1');
    await gw.delete('/global_rules/g1');
  });
});

void describe('PUT /apisix/admin/plugins/reload', () => {
  void test('swaps the plugin code on every worker with no failed request under load', async () => {
    await gw.put('/routes/reload', {
      uri: '/reload',
      plugins: { 'order-a': {} },
      upstream: gw.upstream,
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const statuses = new Map<number, number>();
    let running = true;
    let sawNew = 0;
    const one = (): Promise<void> =>
      new Promise((resolve) => {
        const req = request(
          { host: '127.0.0.1', port: gw.ports.http, path: '/reload', agent },
          (res) => {
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
            if (res.headers['x-order-a'] === 'v2') sawNew++;
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', () => {
          statuses.set(-1, (statuses.get(-1) ?? 0) + 1);
          resolve();
        });
        req.end();
      });
    const loops = Array.from({ length: 8 }, async () => {
      while (running) await one();
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(path.join(pluginDir, 'order-a.mjs'), orderPlugin('order-a', 60, 'v2'));
    const reload = await gw.admin('PUT', '/plugins/reload');
    assert.equal(reload.status, 200);
    // Each worker reloads on its own; wait until both answer with the new code.
    const deadline = Date.now() + 15_000;
    while (sawNew < 50 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    running = false;
    await Promise.all(loops);
    agent.destroy();
    assert.ok(sawNew >= 50, 'the new plugin code answers');
    assert.deepEqual([...statuses.keys()], [200], `statuses: ${JSON.stringify([...statuses])}`);
  });
});
