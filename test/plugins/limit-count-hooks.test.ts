/**
 * limit-count's hooks and checks without a gateway: the fake context and an in-memory shared
 * dict. Traffic through a real gateway is in limit-count.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import { validateSchema, withSchemaDefaults } from '../../src/core/schema.js';
import type { PluginContext, PluginEnv } from '../../src/plugin/types.js';
import plugin from '../../src/plugins/limit-count.js';
import { fakeContext, fakeEnv, type FakeContext } from '../support/fake-plugin-context.js';

type Prepared = NonNullable<ReturnType<NonNullable<typeof plugin.prepare>>>;

/** What the Admin API would say after `err: `, or undefined when accepted. */
function confError(raw: Record<string, unknown>): string | undefined {
  return (
    validateSchema(plugin.schema, raw) ??
    plugin.check?.(withSchemaDefaults(plugin.schema, raw) as never, 'route')
  );
}

function prepare(raw: Record<string, unknown>, env: PluginEnv, owner = '/apisix/routes/1') {
  const err = confError(raw);
  if (err !== undefined) throw new Error(`conf refused: ${err}`);
  const conf = withSchemaDefaults(plugin.schema, raw) as never;
  return plugin.prepare?.(conf, env, { key: owner, version: 1 }) as Prepared;
}

/** Runs access then header_filter, as the runtime does; returns the response the hook gave. */
async function hit(p: Prepared, ctx: FakeContext) {
  const out = await plugin.access?.(p, ctx);
  plugin.headerFilter?.(p, ctx);
  return out ?? undefined;
}

async function statuses(p: Prepared, env: PluginEnv, n: number, req = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await hit(p, fakeContext(req, env)))?.status ?? 200);
  return out;
}

void describe('limit-count hooks', () => {
  void test('admits count requests per window, then rejects with 503 and a zero remaining', async () => {
    const env = fakeEnv();
    const p = prepare({ count: 2, time_window: 60 }, env);
    const first = fakeContext({}, env);
    assert.equal(await hit(p, first), undefined);
    assert.equal(first.response.header('X-RateLimit-Limit'), '2');
    assert.equal(first.response.header('X-RateLimit-Remaining'), '1');
    assert.equal(first.response.header('X-RateLimit-Reset'), '60');
    assert.equal(await hit(p, fakeContext({}, env)), undefined);
    const third = fakeContext({}, env);
    const out = await hit(p, third);
    assert.equal(out?.status, 503);
    assert.equal(out?.body, undefined, 'no rejected_msg: nginx page of the status');
    assert.equal(out?.headers?.['X-RateLimit-Remaining'], '0');
    assert.equal(third.response.header('X-RateLimit-Remaining'), '0');
    const reset = Number(third.response.header('X-RateLimit-Reset'));
    assert.ok(reset > 0 && reset <= 60, `reset ${reset} is within the window`);
  });

  void test('rejects with rejected_code and {"error_msg": rejected_msg}', async () => {
    const env = fakeEnv();
    const p = prepare({ count: 1, time_window: 60, rejected_code: 429, rejected_msg: 'slow' }, env);
    await hit(p, fakeContext({}, env));
    const out = await hit(p, fakeContext({}, env));
    assert.equal(out?.status, 429);
    assert.deepEqual(out?.body, { error_msg: 'slow' });
  });

  void test('keys by a header variable, falling back to the client address when it is absent', async () => {
    const env = fakeEnv();
    const p = prepare({ count: 1, time_window: 60, key: 'http_x_user' }, env);
    assert.deepEqual(await statuses(p, env, 2, { headers: { 'x-user': 'a' } }), [200, 503]);
    assert.deepEqual(await statuses(p, env, 1, { headers: { 'x-user': 'b' } }), [200]);
    assert.deepEqual(await statuses(p, env, 2, { clientIp: '10.0.0.9' }), [200, 503]);
    assert.deepEqual(await statuses(p, env, 1, { clientIp: '10.0.0.8' }), [200]);
  });

  void test('var_combination joins variables; nothing resolved falls back to the client address', async () => {
    const env = fakeEnv();
    const p = prepare(
      { count: 1, time_window: 60, key_type: 'var_combination', key: '$http_a-$http_b' },
      env,
    );
    const ctx = fakeContext({ headers: { a: '1', b: '2' } }, env);
    await hit(p, ctx);
    assert.match(ctx.var('rate_limiting_info') ?? '', /"rate_limiting_key":"[^"]*:1-2"/);
    const bare = fakeContext({ clientIp: '10.1.1.1' }, env);
    await hit(p, bare);
    assert.match(bare.var('rate_limiting_info') ?? '', /:10\.1\.1\.1"/);
  });

  void test('a constant key makes one counter for every client', async () => {
    const env = fakeEnv();
    const p = prepare({ count: 2, time_window: 60, key_type: 'constant', key: 'all' }, env);
    const got: number[] = [];
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
      got.push((await hit(p, fakeContext({ clientIp: ip }, env)))?.status ?? 200);
    }
    assert.deepEqual(got, [200, 200, 503]);
  });

  void test('two owners count apart, unless they share a group', async () => {
    const env = fakeEnv();
    const a = prepare({ count: 1, time_window: 60 }, env, '/apisix/routes/a');
    const b = prepare({ count: 1, time_window: 60 }, env, '/apisix/routes/b');
    assert.deepEqual([...(await statuses(a, env, 1)), ...(await statuses(b, env, 1))], [200, 200]);
    const g1 = prepare({ count: 1, time_window: 60, group: 'hooks-g' }, env, '/apisix/routes/a');
    const g2 = prepare({ count: 1, time_window: 60, group: 'hooks-g' }, env, '/apisix/routes/b');
    assert.deepEqual(
      [...(await statuses(g1, env, 1)), ...(await statuses(g2, env, 1))],
      [200, 503],
    );
  });

  void test('an edited conf starts new counters', async () => {
    const env = fakeEnv();
    const before = prepare({ count: 1, time_window: 60 }, env);
    assert.deepEqual(await statuses(before, env, 2), [200, 503]);
    const edited = prepare({ count: 1, time_window: 60, rejected_code: 429 }, env);
    assert.deepEqual(await statuses(edited, env, 2), [200, 429]);
  });

  void test('header names come from plugin metadata; show_limit_quota_header false sends none', async () => {
    const env = fakeEnv({
      'limit-count': { limit_header: 'L', remaining_header: 'R', reset_header: 'T' },
    });
    const ctx = fakeContext({}, env);
    await hit(prepare({ count: 5, time_window: 10 }, env), ctx);
    assert.deepEqual(
      [ctx.response.header('L'), ctx.response.header('R'), ctx.response.header('T')],
      ['5', '4', '10'],
    );
    const quiet = fakeContext({}, env);
    await hit(prepare({ count: 5, time_window: 10, show_limit_quota_header: false }, env), quiet);
    assert.deepEqual(quiet.response.headers(), []);
  });

  void test('sets rate_limiting_info for loggers', async () => {
    const env = fakeEnv();
    const ctx = fakeContext({ clientIp: '10.9.9.9' }, env);
    await hit(prepare({ count: 3, time_window: 30 }, env), ctx);
    const info = JSON.parse(ctx.var('rate_limiting_info') ?? '{}') as Record<string, unknown>;
    assert.equal(info['rate_limiting_limit'], 3);
    assert.equal(info['rate_limiting_remaining'], 2);
    assert.equal(info['rate_limiting_reset'], 30);
    assert.match(String(info['rate_limiting_key']), /^\/apisix\/routes\/1:\d+:10\.9\.9\.9$/);
  });

  void test('count and time_window may be templates resolved per request', async () => {
    const env = fakeEnv();
    const p = prepare({ count: '${http_quota ?? 1}', time_window: 60, key: 'http_u' }, env);
    assert.deepEqual(await statuses(p, env, 2, { headers: { u: 'a' } }), [200, 503]);
    assert.deepEqual(
      await statuses(p, env, 3, { headers: { u: 'b', quota: '2' } }),
      [200, 200, 503],
    );
  });

  void test('a template count that is no positive integer gives a bare 500, or passes degraded', async () => {
    const env = fakeEnv();
    for (const quota of ['abc', '0', '1.5']) {
      const p = prepare({ count: '$http_quota', time_window: 60 }, env);
      assert.deepEqual(await hit(p, fakeContext({ headers: { quota } }, env)), { status: 500 });
    }
    const p = prepare({ count: '$http_quota', time_window: 60, allow_degradation: true }, env);
    assert.equal(await hit(p, fakeContext({ headers: { quota: 'x' } }, env)), undefined);
  });

  void test('rules: each applying rule counts with its own prefixed headers', async () => {
    const env = fakeEnv();
    const p = prepare(
      {
        rules: [
          { count: 1, time_window: 60, key: '$http_user', header_prefix: 'User' },
          { count: 3, time_window: 30, key: '$http_project' },
        ],
      },
      env,
    );
    const ctx = fakeContext({ headers: { user: 'jack', project: 'p' } }, env);
    assert.equal(await hit(p, ctx), undefined);
    assert.equal(ctx.response.header('X-User-RateLimit-Limit'), '1');
    assert.equal(ctx.response.header('X-2-RateLimit-Limit'), '3');
    assert.equal(ctx.response.header('X-2-RateLimit-Reset'), '30');
    const second = await hit(p, fakeContext({ headers: { user: 'jack', project: 'p' } }, env));
    assert.equal(second?.status, 503);
    const projectOnly = fakeContext({ headers: { project: 'p' } }, env);
    assert.equal(await hit(p, projectOnly), undefined, 'the user rule does not apply');
    assert.equal(projectOnly.response.header('X-2-RateLimit-Remaining'), '1');
    assert.deepEqual(await hit(p, fakeContext({}, env)), { status: 500 }, 'no rule applies');
  });

  void test('sliding window: the last window weighs by the share of it still inside the window', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 * 10_000 });
    try {
      const env = fakeEnv();
      const p = prepare({ count: 10, time_window: 10, window_type: 'sliding' }, env);
      const all = await statuses(p, env, 11);
      assert.equal(all.filter((s) => s === 200).length, 10);
      assert.equal(all[10], 503);
      // A quarter into the next window, 7.5 of the last window's 10 still count.
      mock.timers.tick(12_500);
      const ctx = fakeContext({}, env);
      assert.equal(await hit(p, ctx), undefined);
      assert.equal(ctx.response.header('X-RateLimit-Remaining'), '1');
      assert.equal(ctx.response.header('X-RateLimit-Reset'), '7.5');
      assert.deepEqual(await statuses(p, env, 3), [200, 200, 503]);
    } finally {
      mock.timers.reset();
    }
  });

  void test('a failing counter store answers 500 "failed to limit count", or passes degraded', async () => {
    // The primary's quotas gone: a take fails, asynchronously or at once.
    const env: PluginEnv = {
      ...fakeEnv(),
      quotas: () => ({ take: () => Promise.reject(new Error('primary gone')) }),
    };
    const strict = prepare({ count: 1, time_window: 60 }, env);
    assert.deepEqual(await hit(strict, fakeContext({}, env)), {
      status: 500,
      body: { error_msg: 'failed to limit count' },
    });
    const throwing: PluginEnv = {
      ...env,
      quotas: () => ({
        take: () => {
          throw new Error('primary gone');
        },
      }),
    };
    const lenient = prepare({ count: 1, time_window: 60, allow_degradation: true }, throwing);
    assert.equal(await hit(lenient, fakeContext({}, throwing)), undefined);
  });

  void test('a redis-cluster node that is no address makes every request a bare 500', () => {
    const env = fakeEnv();
    const p = prepare(
      {
        count: 1,
        time_window: 60,
        policy: 'redis-cluster',
        redis_cluster_nodes: ['127.0.0.1:notaport'],
        redis_cluster_name: 'c',
      },
      env,
    );
    assert.deepEqual(plugin.access?.(p, fakeContext({}, env) as PluginContext), { status: 500 });
  });
});

void describe('limit-count checks', () => {
  void test('refuses count 0 and a missing time_window as APISIX does', () => {
    assert.equal(
      confError({ count: 0, time_window: 60 }),
      'property "count" validation failed: value should match only one schema, but matches none',
    );
    assert.equal(confError({ count: 1 }), 'value should match only one schema, but matches none');
  });

  void test('requires redis_host with the redis policy', () => {
    assert.equal(
      confError({ count: 1, time_window: 60, policy: 'redis' }),
      'then clause did not match',
    );
    assert.equal(
      confError({ count: 1, time_window: 60, policy: 'redis', redis_host: 'h1' }),
      undefined,
    );
  });

  void test('refuses a group member whose conf differs from the group first seen', () => {
    assert.equal(confError({ count: 1, time_window: 60, group: 'check-g' }), undefined);
    assert.equal(confError({ count: 1, time_window: 60, group: 'check-g' }), undefined);
    assert.equal(
      confError({ count: 2, time_window: 60, group: 'check-g' }),
      'group conf mismatched',
    );
  });

  void test('refuses duplicate rule keys, rules with a group, and what Gatehouse does not do', () => {
    const rule = { count: 1, time_window: 10, key: '$http_a' };
    assert.equal(confError({ rules: [rule, rule] }), "duplicate key '$http_a' in rules");
    assert.equal(
      confError({ rules: [rule], group: 'x' }),
      'group and rules cannot be specified at the same time',
    );
    const redis = { count: 1, time_window: 60, policy: 'redis', redis_host: 'h1' };
    assert.equal(
      confError({ ...redis, sync_interval: 0.05 }),
      'sync_interval should not be smaller than 0.1',
    );
    assert.equal(
      confError({ ...redis, sync_interval: 60 }),
      'sync_interval should be smaller than time_window',
    );
    assert.match(confError({ ...redis, sync_interval: 1 }) ?? '', /not supported by Gatehouse/);
  });
});
