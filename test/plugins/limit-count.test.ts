/**
 * limit-count (local policy) over real traffic through one gateway: quotas and their headers,
 * keys, groups, every place a conf can live (route, service, plugin_config, consumer, global
 * rule), plugin metadata, and schema errors through the Admin API. Windows are 60 s or longer,
 * so no test depends on how fast requests go. Exactness across workers is in
 * limit-count-workers.test.ts, Redis in limit-count-redis.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { statuses, useTestGateway } from './lib/gateway.js';

const gw = useTestGateway();

const limit = (more: Record<string, unknown> = {}) => ({
  'limit-count': { count: 2, time_window: 60, ...more },
});

async function schemaError(conf: Record<string, unknown>): Promise<string> {
  const reply = await gw.admin('PUT', '/routes/lc-bad', {
    uri: '/lc-bad',
    plugins: { 'limit-count': conf },
    upstream: gw.upstream,
  });
  assert.equal(reply.status, 400, reply.body);
  return (JSON.parse(reply.body) as { error_msg: string }).error_msg;
}

const ERR = 'failed to check the configuration of plugin limit-count err: ';

void describe('limit-count on a route', () => {
  void test('admits count requests with quota headers, then answers 503 with remaining 0', async () => {
    await gw.put('/routes/lc-basic', { uri: '/lc-basic', plugins: limit(), upstream: gw.upstream });
    const first = await gw.request('/lc-basic');
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-upstream'], 'echo');
    assert.equal(first.headers['x-ratelimit-limit'], '2');
    assert.equal(first.headers['x-ratelimit-remaining'], '1');
    assert.equal(first.headers['x-ratelimit-reset'], '60');
    const second = await gw.request('/lc-basic');
    assert.equal(second.headers['x-ratelimit-remaining'], '0');
    const third = await gw.request('/lc-basic');
    assert.equal(third.status, 503);
    assert.match(third.body, /503 Service Temporarily Unavailable/);
    assert.equal(third.headers['x-upstream'], undefined);
    assert.equal(third.headers['x-ratelimit-limit'], '2');
    assert.equal(third.headers['x-ratelimit-remaining'], '0');
    const reset = Number(third.headers['x-ratelimit-reset']);
    assert.ok(reset > 0 && reset <= 60, `X-RateLimit-Reset ${reset} within the window`);
    assert.equal(gw.echo.received.filter((r) => r.url === '/lc-basic').length, 2);
  });

  void test('rejects with rejected_code and {"error_msg": rejected_msg}', async () => {
    await gw.put('/routes/lc-msg', {
      uri: '/lc-msg',
      plugins: limit({ count: 1, rejected_code: 429, rejected_msg: 'Too many requests' }),
      upstream: gw.upstream,
    });
    assert.deepEqual(await statuses(gw, '/lc-msg', 1), [200]);
    const rejected = await gw.request('/lc-msg');
    assert.equal(rejected.status, 429);
    assert.equal(rejected.body, '{"error_msg":"Too many requests"}\n');
  });

  void test('sends no quota headers with show_limit_quota_header false', async () => {
    await gw.put('/routes/lc-quiet', {
      uri: '/lc-quiet',
      plugins: limit({ count: 1, show_limit_quota_header: false }),
      upstream: gw.upstream,
    });
    const replies = [await gw.request('/lc-quiet'), await gw.request('/lc-quiet')];
    assert.deepEqual(
      replies.map((r) => r.status),
      [200, 503],
    );
    for (const r of replies) assert.equal(r.headers['x-ratelimit-limit'], undefined);
  });

  void test('counts each value of a header variable apart', async () => {
    await gw.put('/routes/lc-var', {
      uri: '/lc-var',
      plugins: limit({ count: 1, key: 'http_x_user' }),
      upstream: gw.upstream,
    });
    assert.deepEqual(await statuses(gw, '/lc-var', 2, { 'x-user': 'alice' }), [200, 503]);
    assert.deepEqual(await statuses(gw, '/lc-var', 2, { 'x-user': 'bob' }), [200, 503]);
    // No header: the key falls back to the client address, a counter of its own.
    assert.deepEqual(await statuses(gw, '/lc-var', 2), [200, 503]);
  });

  void test('var_combination counts each combination apart', async () => {
    await gw.put('/routes/lc-combo', {
      uri: '/lc-combo',
      plugins: limit({ count: 1, key_type: 'var_combination', key: '$http_x_a:$arg_b' }),
      upstream: gw.upstream,
    });
    assert.deepEqual(await statuses(gw, '/lc-combo?b=1', 2, { 'x-a': 'a' }), [200, 503]);
    assert.deepEqual(await statuses(gw, '/lc-combo?b=2', 2, { 'x-a': 'a' }), [200, 503]);
  });

  void test('a constant key is one counter for every client', async () => {
    await gw.put('/routes/lc-const', {
      uri: '/lc-const',
      plugins: limit({ key_type: 'constant', key: 'everyone' }),
      upstream: gw.upstream,
    });
    assert.deepEqual(await statuses(gw, '/lc-const', 1, { 'x-user': 'a' }), [200]);
    assert.deepEqual(await statuses(gw, '/lc-const', 2, { 'x-user': 'b' }), [200, 503]);
  });

  void test('rules count per rule and name headers with the rule prefix', async () => {
    await gw.put('/routes/lc-rules', {
      uri: '/lc-rules',
      plugins: {
        'limit-count': {
          rules: [
            { count: 1, time_window: 60, key: '${http_user}', header_prefix: 'User' },
            { count: 3, time_window: 120, key: '${http_project}' },
          ],
        },
      },
      upstream: gw.upstream,
    });
    const first = await gw.request('/lc-rules', { headers: { user: 'u1', project: 'p1' } });
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-user-ratelimit-limit'], '1');
    assert.equal(first.headers['x-2-ratelimit-limit'], '3');
    assert.equal(first.headers['x-2-ratelimit-reset'], '120');
    const second = await gw.request('/lc-rules', { headers: { user: 'u1', project: 'p1' } });
    assert.equal(second.status, 503);
    assert.equal((await gw.request('/lc-rules')).status, 500, 'no rule applies');
  });

  void test('a group shares one counter between two routes', async () => {
    for (const id of ['lc-g1', 'lc-g2']) {
      await gw.put(`/routes/${id}`, {
        uri: `/${id}`,
        plugins: limit({ group: 'lc-shared' }),
        upstream: gw.upstream,
      });
    }
    const out = [
      ...(await statuses(gw, '/lc-g1', 1)),
      ...(await statuses(gw, '/lc-g2', 1)),
      ...(await statuses(gw, '/lc-g1', 1)),
      ...(await statuses(gw, '/lc-g2', 1)),
    ];
    assert.deepEqual(out, [200, 200, 503, 503]);
  });

  void test('an edited conf starts a new window', async () => {
    const route = (more: Record<string, unknown>) => ({
      uri: '/lc-edit',
      plugins: limit({ count: 1, ...more }),
      upstream: gw.upstream,
    });
    await gw.put('/routes/lc-edit', route({}));
    assert.deepEqual(await statuses(gw, '/lc-edit', 2), [200, 503]);
    await gw.put('/routes/lc-edit', route({ rejected_code: 429 }));
    assert.deepEqual(await statuses(gw, '/lc-edit', 2), [200, 429]);
  });
});

void describe('limit-count on the other owners of a conf', () => {
  void test('a service conf is one counter for every route of the service (the service owns it)', async () => {
    await gw.put('/services/lc-svc', { plugins: limit({ count: 2 }), upstream: gw.upstream });
    await gw.put('/routes/lc-svc-a', { uri: '/lc-svc-a', service_id: 'lc-svc' });
    await gw.put('/routes/lc-svc-b', { uri: '/lc-svc-b', service_id: 'lc-svc' });
    assert.deepEqual(await statuses(gw, '/lc-svc-a', 1), [200]);
    const b = await gw.request('/lc-svc-b');
    assert.equal(b.status, 200);
    assert.equal(b.headers['x-ratelimit-remaining'], '0');
    assert.deepEqual(await statuses(gw, '/lc-svc-a', 1), [503]);
  });

  void test('a route conf overrides its service conf', async () => {
    await gw.put('/routes/lc-svc-own', {
      uri: '/lc-svc-own',
      service_id: 'lc-svc',
      plugins: limit({ count: 3 }),
    });
    const reply = await gw.request('/lc-svc-own');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['x-ratelimit-limit'], '3');
  });

  void test('applies a plugin_config conf to the routes that use it', async () => {
    await gw.put('/plugin_configs/lc-pc', { plugins: limit({ count: 1 }) });
    await gw.put('/routes/lc-pc', {
      uri: '/lc-pc',
      plugin_config_id: 'lc-pc',
      upstream: gw.upstream,
    });
    assert.deepEqual(await statuses(gw, '/lc-pc', 2), [200, 503]);
  });

  void test('applies a consumer conf to that consumer once key-auth identified it', async () => {
    for (const name of ['lcjack', 'lcrose']) {
      await gw.put('/consumers', {
        username: name,
        plugins: { 'key-auth': { key: `${name}-key` }, ...limit({ count: 1 }) },
      });
    }
    await gw.put('/routes/lc-consumer', {
      uri: '/lc-consumer',
      plugins: { 'key-auth': {} },
      upstream: gw.upstream,
    });
    assert.deepEqual(await statuses(gw, '/lc-consumer', 2, { apikey: 'lcjack-key' }), [200, 503]);
    const rose = await gw.request('/lc-consumer', { headers: { apikey: 'lcrose-key' } });
    assert.equal(rose.status, 200, 'another consumer has a counter of its own');
    assert.equal(rose.headers['x-ratelimit-remaining'], '0');
  });

  void test('applies a global rule conf to every route', async () => {
    await gw.put('/routes/lc-global', { uri: '/lc-global', upstream: gw.upstream });
    await gw.put('/routes/lc-global2', { uri: '/lc-global2', upstream: gw.upstream });
    await gw.put('/global_rules/lc-global', {
      plugins: limit({ count: 1, key: 'http_x_global_test' }),
    });
    try {
      const headers = { 'x-global-test': 'g1' };
      assert.deepEqual(await statuses(gw, '/lc-global', 2, headers), [200, 503]);
      const other = await gw.request('/lc-global2', { headers });
      assert.equal(other.status, 503, 'the same key on another route shares the counter');
    } finally {
      await gw.delete('/global_rules/lc-global');
    }
  });
});

void describe('limit-count plugin metadata', () => {
  void test('names the quota headers', async () => {
    await gw.put('/plugin_metadata/limit-count', {
      limit_header: 'X-Limit',
      remaining_header: 'X-Remaining',
      reset_header: 'X-Reset',
    });
    try {
      await gw.put('/routes/lc-meta', { uri: '/lc-meta', plugins: limit(), upstream: gw.upstream });
      const reply = await gw.request('/lc-meta');
      assert.equal(reply.headers['x-limit'], '2');
      assert.equal(reply.headers['x-remaining'], '1');
      assert.equal(reply.headers['x-reset'], '60');
      assert.equal(reply.headers['x-ratelimit-limit'], undefined);
    } finally {
      await gw.delete('/plugin_metadata/limit-count');
    }
  });
});

void describe('limit-count schema errors through the Admin API', () => {
  void test('refuses a count of 0', async () => {
    assert.equal(
      await schemaError({ count: 0, time_window: 60 }),
      `${ERR}property "count" validation failed: value should match only one schema, but matches none`,
    );
  });

  void test('refuses a conf without time_window', async () => {
    assert.equal(
      await schemaError({ count: 1 }),
      `${ERR}value should match only one schema, but matches none`,
    );
  });

  void test('refuses an empty rejected_msg', async () => {
    assert.equal(
      await schemaError({ count: 1, time_window: 60, rejected_msg: '' }),
      `${ERR}property "rejected_msg" validation failed: string too short, expected at least 1, got 0`,
    );
  });

  void test('refuses the redis policy without redis_host', async () => {
    assert.equal(
      await schemaError({ count: 1, time_window: 60, policy: 'redis' }),
      `${ERR}then clause did not match`,
    );
  });

  void test('refuses the redis-cluster policy without its nodes', async () => {
    assert.equal(
      await schemaError({ count: 1, time_window: 60, policy: 'redis-cluster' }),
      `${ERR}else clause did not match`,
    );
  });

  void test('refuses a group member whose conf differs from the group', async () => {
    await gw.put('/routes/lc-gm', {
      uri: '/lc-gm',
      plugins: limit({ group: 'lc-mismatch' }),
      upstream: gw.upstream,
    });
    assert.equal(
      await schemaError({ count: 3, time_window: 60, group: 'lc-mismatch' }),
      `${ERR}group conf mismatched`,
    );
  });

  void test('refuses count/time_window beside rules', async () => {
    const rules = [{ count: 1, time_window: 60, key: '$http_a' }];
    assert.equal(
      await schemaError({ count: 1, time_window: 60, rules }),
      `${ERR}count/time_window and rules cannot be specified at the same time`,
    );
  });

  void test('refuses two rules with the same key', async () => {
    const rule = { count: 1, time_window: 60, key: '$http_a' };
    assert.equal(
      await schemaError({ rules: [rule, rule] }),
      `${ERR}duplicate key '$http_a' in rules`,
    );
  });

  void test('refuses a metadata header name that is no string', async () => {
    const reply = await gw.admin('PUT', '/plugin_metadata/limit-count', { limit_header: 1 });
    assert.equal(reply.status, 400);
    assert.match(reply.body, /property \\"limit_header\\" validation failed: wrong type/);
  });
});
