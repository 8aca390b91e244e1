/**
 * limit-req's hooks and the limit-* counter keys, over a fake context and an in-memory dict
 * (time moved with mock timers). Real traffic across workers: limit-req.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from '../../src/plugins/limit-req.js';
import { compileTemplate, counterPrefix, limitKey } from '../../src/plugins/lib/limit-key.js';
import type { ConfOwner, PluginEnv } from '../../src/plugin/types.js';
import { fakeContext, fakeEnv, memoryDict } from '../support/fake-plugin-context.js';

const ROUTE: ConfOwner = { key: 'routes/1', version: 7 };

function prepared(conf: Record<string, unknown>, env: PluginEnv = fakeEnv(), owner = ROUTE) {
  const full = {
    key: 'remote_addr',
    key_type: 'var',
    policy: 'local',
    rejected_code: 503,
    nodelay: true,
    allow_degradation: false,
    ...conf,
  } as Parameters<NonNullable<typeof plugin.prepare>>[0];
  return plugin.prepare!(full, env, owner);
}

/** How many of `n` back-to-back requests (same client) were let through. */
function admitted(p: ReturnType<typeof prepared>, n: number, env: PluginEnv, headers = {}): number {
  let passed = 0;
  for (let i = 0; i < n; i++) {
    if (plugin.access!(p, fakeContext({ headers }, env)) === undefined) passed++;
  }
  return passed;
}

void describe('limit-req hooks', () => {
  void test('lets one request through at rate 1 burst 0 and rejects the next with 503 and no body', () => {
    const env = fakeEnv();
    const p = prepared({ rate: 1, burst: 0 }, env);
    assert.equal(plugin.access!(p, fakeContext({}, env)), undefined);
    assert.deepEqual(plugin.access!(p, fakeContext({}, env)), { status: 503 });
  });

  void test('rejects with rejected_code and {"error_msg": rejected_msg}', () => {
    const env = fakeEnv();
    const p = prepared({ rate: 1, burst: 0, rejected_code: 429, rejected_msg: 'slow down' }, env);
    admitted(p, 1, env);
    assert.deepEqual(plugin.access!(p, fakeContext({}, env)), {
      status: 429,
      body: { error_msg: 'slow down' },
    });
  });

  void test('admits burst requests beyond the rate, then rejects', () => {
    const env = fakeEnv();
    assert.equal(admitted(prepared({ rate: 1, burst: 3 }, env), 10, env), 4);
  });

  void test('admits again once the bucket has leaked', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const env = fakeEnv();
    const p = prepared({ rate: 2, burst: 0 }, env);
    assert.equal(admitted(p, 3, env), 1);
    t.mock.timers.tick(400);
    assert.equal(admitted(p, 1, env), 0, 'still within the 500 ms a request takes to leak');
    t.mock.timers.tick(600);
    assert.equal(admitted(p, 1, env), 1);
  });

  void test('does not count rejected requests against later ones', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const env = fakeEnv();
    const p = prepared({ rate: 1, burst: 0 }, env);
    assert.equal(admitted(p, 50, env), 1);
    t.mock.timers.tick(1000);
    assert.equal(admitted(p, 1, env), 1);
  });

  void test('delays a request within the burst by excess/rate unless nodelay', async () => {
    const env = fakeEnv();
    const p = prepared({ rate: 1000, burst: 5, nodelay: false }, env);
    assert.equal(
      plugin.access!(p, fakeContext({}, env)),
      undefined,
      'an empty bucket does not wait',
    );
    const second = plugin.access!(p, fakeContext({}, env));
    assert.ok(second instanceof Promise, 'the second request waits');
    assert.equal(await second, undefined);
  });

  void test('keeps one bucket per key value', () => {
    const env = fakeEnv();
    const p = prepared({ rate: 1, burst: 0, key: 'http_x_user' }, env);
    assert.equal(admitted(p, 3, env, { 'x-user': 'a' }), 1);
    assert.equal(admitted(p, 3, env, { 'x-user': 'b' }), 1);
  });

  void test('keeps separate buckets per owner and per conf, one per identical conf of an owner', () => {
    const env = fakeEnv();
    const conf = { rate: 1, burst: 0 };
    assert.equal(admitted(prepared(conf, env), 2, env), 1);
    assert.equal(admitted(prepared(conf, env, { key: 'routes/2', version: 7 }), 2, env), 1);
    assert.equal(admitted(prepared({ ...conf, rejected_code: 429 }, env), 2, env), 1);
    assert.equal(admitted(prepared(conf, env, { key: 'routes/1', version: 8 }), 2, env), 0);
  });

  void test('answers 500 when the shared dict fails, or lets the request go with allow_degradation', () => {
    const failing = (): never => {
      throw new Error('disk full');
    };
    const env: PluginEnv = { ...fakeEnv(), shared: () => ({ ...memoryDict(), update: failing }) };
    assert.deepEqual(plugin.access!(prepared({ rate: 1, burst: 0 }, env), fakeContext({}, env)), {
      status: 500,
    });
    const degraded = prepared({ rate: 1, burst: 0, allow_degradation: true }, env);
    assert.equal(plugin.access!(degraded, fakeContext({}, env)), undefined);
  });

  void test('refuses the redis policies and accepts local', () => {
    const conf = { rate: 1, burst: 0, key: 'remote_addr', policy: 'redis' };
    assert.match(plugin.check!(conf as never, 'route') ?? '', /policy "redis" is not supported/);
    assert.equal(plugin.check!({ ...conf, policy: 'local' } as never, 'route'), undefined);
  });
});

void describe('limit counter keys (lib/limit-key)', () => {
  const prefix = counterPrefix(ROUTE, { rate: 1 });

  void test('prefixes the owner key and a checksum that ignores property order', () => {
    assert.match(prefix, /^routes\/1:\d+:$/);
    assert.equal(
      counterPrefix(ROUTE, { a: 1, b: [2, { c: 3, d: 4 }] }),
      counterPrefix(ROUTE, { b: [2, { d: 4, c: 3 }], a: 1 }),
    );
    assert.notEqual(counterPrefix(ROUTE, { rate: 1 }), counterPrefix(ROUTE, { rate: 2 }));
  });

  void test('uses the variable, or the client address when it is missing', () => {
    const keyOf = limitKey('http_x_user', 'var', prefix);
    assert.equal(keyOf(fakeContext({ headers: { 'x-user': 'jack' } })), `${prefix}jack`);
    assert.equal(keyOf(fakeContext({ clientIp: '10.0.0.9' })), `${prefix}10.0.0.9`);
  });

  void test('resolves a var_combination template, or the client address when nothing resolved', () => {
    const keyOf = limitKey('$http_x_user ${arg_zone}', 'var_combination', prefix);
    const ctx = fakeContext({ url: '/?zone=eu', headers: { 'x-user': 'jack' } });
    assert.equal(keyOf(ctx), `${prefix}jack eu`);
    assert.equal(keyOf(fakeContext({ url: '/?zone=eu' })), `${prefix} eu`);
    assert.equal(keyOf(fakeContext({ clientIp: '10.0.0.9' })), `${prefix}10.0.0.9`);
  });

  const templates: Array<{ desc: string; tpl: string; url: string; want: string | undefined }> = [
    { desc: 'plain text has nothing to resolve', tpl: 'abc', url: '/', want: undefined },
    { desc: '$name', tpl: 'u-$arg_a', url: '/?a=1', want: 'u-1' },
    { desc: '${name} with spaces', tpl: '${ arg_a }x', url: '/?a=1', want: '1x' },
    { desc: 'a default after ??', tpl: '${arg_b ?? none}', url: '/?a=1', want: 'none' },
    {
      desc: 'a present value wins over the default',
      tpl: '${arg_a??none}',
      url: '/?a=1',
      want: '1',
    },
    { desc: 'a missing variable becomes empty', tpl: '$arg_a-$arg_b', url: '/?a=1', want: '1-' },
    {
      desc: 'an escaped dollar stays as written',
      tpl: '\\$arg_a $arg_a',
      url: '/?a=1',
      want: '\\$arg_a 1',
    },
  ];
  for (const c of templates) {
    void test(`template: ${c.desc}`, () => {
      assert.equal(compileTemplate(c.tpl).render(fakeContext({ url: c.url })), c.want);
    });
  }

  void test('template: the literal parts stand alone when nothing resolves', () => {
    assert.equal(compileTemplate('1${arg_x}0').unresolved, '10');
  });
});
