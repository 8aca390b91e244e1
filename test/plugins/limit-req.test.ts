/**
 * limit-req over real traffic, through a gateway of three workers: every request goes on a fresh
 * connection, so the buckets are shown to be node-wide. Rates are low (one request per 10 s)
 * wherever a test counts admitted requests, so the outcome does not depend on how fast the
 * requests go; one test waits for a bucket to leak.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { statuses, useTestGateway } from './lib/gateway.js';
import {
  expectRefused,
  viaConsumer,
  viaGlobalRule,
  viaPluginConfig,
  viaService,
} from './lib/placements.js';

const gw = useTestGateway({ workers: 3 });

/** A limit-req conf: the strict one by default (1 request per 10 s, no burst, no waiting). */
const limit = (more: Record<string, unknown> = {}) => ({
  'limit-req': { rate: 0.1, burst: 0, key: 'remote_addr', nodelay: true, ...more },
});

const count = (list: number[], status: number) => list.filter((s) => s === status).length;

void describe('limit-req', () => {
  void test('lets one of five back-to-back requests through at rate 0.1 and answers 503 to the rest', async () => {
    await gw.put('/routes/strict', { uri: '/strict', plugins: limit(), upstream: gw.upstream });
    const first = await gw.request('/strict');
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-upstream'], 'echo');
    const rest = await Promise.all([1, 2, 3, 4].map(() => gw.request('/strict')));
    for (const reply of rest) {
      assert.equal(reply.status, 503);
      assert.match(reply.body, /503 Service Temporarily Unavailable/);
      assert.equal(reply.headers['x-upstream'], undefined);
    }
  });

  void test('rejects with rejected_code and {"error_msg": rejected_msg}', async () => {
    await gw.put('/routes/msg', {
      uri: '/msg',
      plugins: limit({ rejected_code: 429, rejected_msg: 'Requests are too frequent' }),
      upstream: gw.upstream,
    });
    assert.deepEqual(await statuses(gw, '/msg', 1), [200]);
    const rejected = await gw.request('/msg');
    assert.equal(rejected.status, 429);
    assert.equal(rejected.body, '{"error_msg":"Requests are too frequent"}\n');
  });

  void test('admits burst requests beyond the rate, then rejects', async () => {
    await gw.put('/routes/burst', {
      uri: '/burst',
      plugins: limit({ burst: 2 }),
      upstream: gw.upstream,
    });
    assert.deepEqual(await statuses(gw, '/burst', 6), [200, 200, 200, 503, 503, 503]);
  });

  void test('without nodelay, makes a burst request wait instead of rejecting it', async () => {
    await gw.put('/routes/delay', {
      uri: '/delay',
      plugins: limit({ rate: 1, burst: 1, nodelay: false }),
      upstream: gw.upstream,
    });
    const replies = await Promise.all([1, 2, 3].map(() => gw.request('/delay')));
    const got = replies.map((r) => r.status);
    assert.equal(count(got, 200), 2, `statuses ${got.join(',')}`);
    assert.equal(count(got, 503), 1);
  });

  void test('admits again once the bucket has leaked', async () => {
    await gw.put('/routes/leak', {
      uri: '/leak',
      plugins: limit({ rate: 1 }),
      upstream: gw.upstream,
    });
    const burst = await Promise.all([1, 2, 3].map(() => gw.request('/leak')));
    assert.equal(
      count(
        burst.map((r) => r.status),
        200,
      ),
      1,
    );
    await sleep(1100); // a request leaks out of a rate-1 bucket in one second
    assert.equal((await gw.request('/leak')).status, 200);
  });

  void test('keeps one bucket per key value, and falls back to the client address', async () => {
    await gw.put('/routes/per-user', {
      uri: '/per-user',
      plugins: limit({ key: 'http_x_user' }),
      upstream: gw.upstream,
    });
    assert.deepEqual(await statuses(gw, '/per-user', 2, { 'x-user': 'a' }), [200, 503]);
    assert.deepEqual(await statuses(gw, '/per-user', 2, { 'x-user': 'b' }), [200, 503]);
    assert.deepEqual(await statuses(gw, '/per-user', 2), [200, 503]);
  });

  void test('keys on a var_combination template', async () => {
    await gw.put('/routes/combo', {
      uri: '/combo',
      plugins: limit({ key_type: 'var_combination', key: '$http_x_user $arg_zone' }),
      upstream: gw.upstream,
    });
    const as = (user: string) => ({ 'x-user': user });
    assert.deepEqual(await statuses(gw, '/combo?zone=eu', 2, as('a')), [200, 503]);
    assert.deepEqual(await statuses(gw, '/combo?zone=us', 2, as('a')), [200, 503]);
  });

  void test('starts new buckets when its conf changes, and keeps them when only the route changes', async () => {
    const route = { uri: '/edit', plugins: limit(), upstream: gw.upstream };
    await gw.put('/routes/edit', route);
    assert.deepEqual(await statuses(gw, '/edit', 2), [200, 503]);
    await gw.put('/routes/edit', { ...route, desc: 'renamed' });
    assert.deepEqual(await statuses(gw, '/edit', 1), [503]);
    await gw.put('/routes/edit', { ...route, plugins: limit({ rejected_code: 429 }) });
    assert.deepEqual(await statuses(gw, '/edit', 2), [200, 429]);
  });

  void test('limits the routes of a service that configures it', async () => {
    const path = await viaService(gw, 'lr-svc', limit());
    assert.deepEqual(await statuses(gw, path, 3), [200, 503, 503]);
  });

  void test('limits the routes of a plugin_config that configures it', async () => {
    const path = await viaPluginConfig(gw, 'lr-pc', limit());
    assert.deepEqual(await statuses(gw, path, 3), [200, 503, 503]);
  });

  void test('limits every route from a global rule', async () => {
    const global = { 'x-global': 'g' };
    const path = await viaGlobalRule(
      gw,
      'lr-global',
      limit({ key: 'http_x_global' }),
      async (p) => {
        assert.deepEqual(await statuses(gw, p, 2, global), [200, 503]);
      },
    );
    assert.deepEqual(await statuses(gw, path, 2, global), [200, 200]);
  });

  void test('refuses invalid confs through the Admin API with 400 and the schema error', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { rate: -1, burst: 0, key: 'remote_addr' },
        'property "rate" validation failed: expected -1 to be greater than 0',
      ],
      [
        { rate: 0, burst: 0, key: 'remote_addr' },
        'property "rate" validation failed: expected 0 to be greater than 0',
      ],
      [{ rate: 1, key: 'remote_addr' }, 'property "burst" is required'],
      [{ rate: 1, burst: 0 }, 'property "key" is required'],
      [
        { rate: 1, burst: 0, key: 'remote_addr', rejected_code: 600 },
        'property "rejected_code" validation failed: expected 600 to be at most 599',
      ],
      [
        { rate: 1, burst: 0, key: 'remote_addr', rejected_msg: '' },
        'property "rejected_msg" validation failed: string too short, expected at least 1, got 0',
      ],
      [
        { rate: 1, burst: 0, key: 'remote_addr', nodelay: 'yes' },
        'property "nodelay" validation failed: wrong type: expected boolean, got string',
      ],
      [
        { rate: 1, burst: 0, key: 'remote_addr', policy: 'redis', redis_host: '127.0.0.1' },
        'policy "redis" is not supported: Gatehouse limits with the "local" policy only',
      ],
    ];
    await expectRefused(gw, 'limit-req', cases);
  });

  // key-auth is written by another engineer at the same time: this test goes last.
  void test('limits a consumer once key-auth identified it, and not other consumers', async () => {
    const { path, jack, rose } = await viaConsumer(gw, 'lr-consumer', limit());
    assert.deepEqual(await statuses(gw, path, 3, jack), [200, 503, 503]);
    assert.deepEqual(await statuses(gw, path, 3, rose), [200, 200, 200]);
  });
});
