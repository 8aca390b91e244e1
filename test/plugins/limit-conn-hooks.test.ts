/**
 * limit-conn's access and log hooks over a fake context and an in-memory dict. Real concurrent
 * traffic across workers: limit-conn.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from '../../src/plugins/limit-conn.js';
import type { PluginContext, PluginEnv } from '../../src/plugin/types.js';
import { fakeContext, fakeEnv, memoryDict } from '../support/fake-plugin-context.js';

type Conf = Parameters<NonNullable<typeof plugin.prepare>>[0];

function prepared(conf: Record<string, unknown>, env: PluginEnv, ownerKey = 'routes/1') {
  const full = {
    key: 'remote_addr',
    key_type: 'var',
    policy: 'local',
    rejected_code: 503,
    default_conn_delay: 0.001,
    only_use_default_delay: false,
    allow_degradation: false,
    ...conf,
  } as Conf;
  return plugin.prepare!(full, env, { key: ownerKey, version: 1 });
}

/** Every counter of the dict is gone (keys at zero are removed). */
function counters(env: PluginEnv, ctxs: PluginContext[], p: ReturnType<typeof prepared>): number {
  let sum = 0;
  const dict = env.shared('limit-conn');
  for (const ctx of ctxs) for (const rule of p.rules) sum += dict.get(rule.keyOf(ctx) ?? '') ?? 0;
  return sum;
}

void describe('limit-conn hooks', () => {
  void test('admits conn requests at once and rejects the next with 503 and no body', () => {
    const env = fakeEnv();
    const p = prepared({ conn: 2, burst: 0 }, env);
    assert.equal(plugin.access!(p, fakeContext({}, env)), undefined);
    assert.equal(plugin.access!(p, fakeContext({}, env)), undefined);
    assert.deepEqual(plugin.access!(p, fakeContext({}, env)), { status: 503 });
  });

  void test('rejects with rejected_code and {"error_msg": rejected_msg}', () => {
    const env = fakeEnv();
    const p = prepared({ conn: 1, burst: 0, rejected_code: 429, rejected_msg: 'busy' }, env);
    assert.equal(plugin.access!(p, fakeContext({}, env)), undefined);
    assert.deepEqual(plugin.access!(p, fakeContext({}, env)), {
      status: 429,
      body: { error_msg: 'busy' },
    });
  });

  void test('gives the slot back in log, so the next request is admitted', () => {
    const env = fakeEnv();
    const p = prepared({ conn: 1, burst: 0 }, env);
    const first = fakeContext({}, env);
    assert.equal(plugin.access!(p, first), undefined);
    plugin.log!(p, first);
    assert.equal(plugin.access!(p, fakeContext({}, env)), undefined);
  });

  void test('log of a rejected request or one that never reached access gives nothing back', () => {
    const env = fakeEnv();
    const p = prepared({ conn: 1, burst: 0 }, env);
    const holder = fakeContext({}, env);
    assert.equal(plugin.access!(p, holder), undefined);
    const rejected = fakeContext({}, env);
    assert.deepEqual(plugin.access!(p, rejected), { status: 503 });
    plugin.log!(p, rejected);
    plugin.log!(p, fakeContext({}, env));
    assert.equal(counters(env, [holder], p), 1);
    plugin.log!(p, holder);
    plugin.log!(p, holder);
    assert.equal(counters(env, [holder], p), 0, 'a second log call takes nothing more');
  });

  void test('delays requests within the burst, and rejects beyond conn + burst', async () => {
    const env = fakeEnv();
    const p = prepared({ conn: 1, burst: 1 }, env);
    assert.equal(plugin.access!(p, fakeContext({}, env)), undefined);
    const second = plugin.access!(p, fakeContext({}, env));
    assert.ok(second instanceof Promise, 'the burst request waits one unit delay');
    assert.equal(await second, undefined);
    assert.deepEqual(plugin.access!(p, fakeContext({}, env)), { status: 503 });
  });

  void test('counts per key value', () => {
    const env = fakeEnv();
    const p = prepared({ conn: 1, burst: 0, key: 'http_x_user' }, env);
    const as = (user: string) => fakeContext({ headers: { 'x-user': user } }, env);
    assert.equal(plugin.access!(p, as('a')), undefined);
    assert.equal(plugin.access!(p, as('b')), undefined);
    assert.deepEqual(plugin.access!(p, as('a')), { status: 503 });
  });

  void test('gives back the counters of every instance once: a global rule and a route', () => {
    const env = fakeEnv();
    const global = prepared({ conn: 1, burst: 0 }, env, 'global_rules/1');
    const route = prepared({ conn: 1, burst: 0 }, env);
    const ctx = fakeContext({}, env);
    assert.equal(plugin.access!(global, ctx), undefined);
    assert.equal(plugin.access!(route, ctx), undefined);
    plugin.log!(global, ctx);
    plugin.log!(route, ctx);
    assert.equal(counters(env, [ctx], global) + counters(env, [ctx], route), 0);
  });

  void test('resolves conn and burst templates per request', () => {
    const env = fakeEnv();
    const p = prepared({ conn: '$http_x_conn', burst: '${http_x_burst ?? 0}' }, env);
    const req = () => fakeContext({ headers: { 'x-conn': '2' } }, env);
    assert.equal(plugin.access!(p, req()), undefined);
    assert.equal(plugin.access!(p, req()), undefined);
    assert.deepEqual(plugin.access!(p, req()), { status: 503 });
  });

  void test('answers 500 when conn does not resolve to a whole number, or passes with allow_degradation', () => {
    const env = fakeEnv();
    for (const conn of ['', '0', '1.5', 'x']) {
      const p = prepared({ conn: '$http_x_conn', burst: 0 }, env);
      const ctx = fakeContext({ headers: { 'x-conn': conn } }, env);
      assert.deepEqual(plugin.access!(p, ctx), { status: 500 }, `conn ${JSON.stringify(conn)}`);
    }
    const p = prepared({ conn: '$http_x_conn', burst: 0, allow_degradation: true }, env);
    assert.equal(plugin.access!(p, fakeContext({}, env)), undefined);
  });

  void test('applies every rule whose key resolves and rejects on the first one full', () => {
    const env = fakeEnv();
    const rules = [
      { conn: 2, burst: 0, key: '$http_x_user' },
      { conn: 1, burst: 0, key: '${http_x_team}' },
    ];
    const p = prepared({ rules, key: undefined }, env);
    const a = fakeContext({ headers: { 'x-user': 'a', 'x-team': 't' } }, env);
    assert.equal(plugin.access!(p, a), undefined);
    const b = fakeContext({ headers: { 'x-user': 'a', 'x-team': 't' } }, env);
    assert.deepEqual(plugin.access!(p, b), { status: 503 }, 'the team rule is full');
    plugin.log!(p, b);
    const noTeam = fakeContext({ headers: { 'x-user': 'a' } }, env);
    assert.equal(plugin.access!(p, noTeam), undefined, 'the team rule is skipped');
    assert.deepEqual(plugin.access!(p, fakeContext({}, env)), { status: 500 }, 'no rule applies');
    plugin.log!(p, a);
    plugin.log!(p, noTeam);
    assert.equal(counters(env, [a, noTeam], p), 0);
  });

  void test('answers 500 when the shared dict fails, or lets the request go with allow_degradation', () => {
    const failing = (): never => {
      throw new Error('disk full');
    };
    const env: PluginEnv = { ...fakeEnv(), shared: () => ({ ...memoryDict(), update: failing }) };
    const p = prepared({ conn: 1, burst: 0 }, env);
    assert.deepEqual(plugin.access!(p, fakeContext({}, env)), { status: 500 });
    const degraded = prepared({ conn: 1, burst: 0, allow_degradation: true }, env);
    assert.equal(plugin.access!(degraded, fakeContext({}, env)), undefined);
  });

  void test('moves the unit delay toward observed latencies unless only_use_default_delay', () => {
    const env = fakeEnv();
    const adaptive = prepared({ conn: 1, burst: 0, default_conn_delay: 0.1 }, env);
    const fixed = prepared(
      { conn: 1, burst: 0, default_conn_delay: 0.1, only_use_default_delay: true },
      env,
      'routes/2',
    );
    for (const p of [adaptive, fixed]) {
      const ctx = Object.assign(fakeContext({}, env), { upstreamLatencyMs: 300 });
      assert.equal(plugin.access!(p, ctx), undefined);
      plugin.log!(p, ctx);
    }
    assert.ok(Math.abs(adaptive.unitDelay - 0.2) < 1e-9);
    assert.equal(fixed.unitDelay, 0.1);
  });
});
