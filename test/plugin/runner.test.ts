import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import { admit } from '../../src/plugin/admission.js';
import { ChainBuilder } from '../../src/plugin/chain-builder.js';
import { EMPTY_CHAIN, type PluginSource } from '../../src/plugin/chain.js';
import { PluginRegistry } from '../../src/plugin/registry.js';
import { runStopPhase, type RunContext } from '../../src/plugin/runner.js';
import type { PluginDefinition, PluginResponse } from '../../src/plugin/types.js';
import { fakeContext, fakeEnv } from '../support/fake-plugin-context.js';

const calls: string[] = [];

function plugin(
  name: string,
  priority: number,
  hooks: Partial<PluginDefinition<Record<string, unknown>>>,
): PluginDefinition<Record<string, unknown>> {
  return { name, version: 1, priority, schema: { type: 'object' }, ...hooks };
}

const DEFS: PluginDefinition<Record<string, unknown>>[] = [
  plugin('first', 300, { access: () => void calls.push('first') }),
  plugin('stopper', 200, {
    access: (conf) => {
      calls.push('stopper');
      return conf.stop === true ? { status: 403, body: { message: 'no' } } : undefined;
    },
  }),
  plugin('waiter', 150, {
    access: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      calls.push('waiter');
      return undefined;
    },
  }),
  plugin('thrower', 120, {
    access: () => {
      throw new Error('boom');
    },
  }),
  plugin('last', 100, { access: () => void calls.push('last') }),
  plugin('auth', 2500, {
    type: 'auth',
    rewrite: (_conf, ctx) => {
      calls.push('auth');
      ctx.attachConsumer({
        username: 'jack',
        groupId: undefined,
        labels: undefined,
        plugins: { late: {} },
        key: '/apisix/consumers/jack',
        modRevision: 1,
      });
    },
  }),
  plugin('late', 50, {
    rewrite: () => void calls.push('late-rewrite'),
    access: () => void calls.push('late-access'),
  }),
  plugin('global', 5000, {
    rewrite: () => void calls.push('global-rewrite'),
    access: () => void calls.push('global-access'),
  }),
];
const registry = new PluginRegistry(
  DEFS,
  DEFS.map((d) => d.name),
);
const builder = new ChainBuilder(registry, fakeEnv(), silentLogger());
const chainOf = (confs: Record<string, Record<string, unknown>>) =>
  builder.build(
    Object.entries(confs).map(([name, conf]): PluginSource => ({
      name,
      conf,
      owner: { key: '/r', version: 1 },
    })),
  );
const ctx = (): RunContext => {
  const c = fakeContext();
  return Object.assign(c, { get: (n: string) => c.var(n) });
};

void describe('runStopPhase', () => {
  void test('runs in priority order and stops at the first response', () => {
    calls.length = 0;
    const chain = chainOf({ last: {}, stopper: { stop: true }, first: {} });
    const out = runStopPhase(chain.access, 'access', ctx(), silentLogger());
    assert.deepEqual(out, { status: 403, body: { message: 'no' } });
    assert.deepEqual(calls, ['first', 'stopper']);
  });

  void test('stays synchronous until a hook returns a promise, then continues after it', async () => {
    calls.length = 0;
    const chain = chainOf({ first: {}, waiter: {}, last: {} });
    const out = runStopPhase(chain.access, 'access', ctx(), silentLogger());
    assert.ok(out instanceof Promise);
    assert.deepEqual(calls, ['first']);
    assert.equal(await out, undefined);
    assert.deepEqual(calls, ['first', 'waiter', 'last']);
  });

  void test('a hook that throws ends the request with a 500', () => {
    const chain = chainOf({ thrower: {}, last: {} });
    assert.deepEqual(runStopPhase(chain.access, 'access', ctx(), silentLogger()), { status: 500 });
  });

  void test('_meta.error_response replaces the body of a rejection', () => {
    const chain = chainOf({ stopper: { stop: true, _meta: { error_response: { e: 1 } } } });
    const out = runStopPhase(chain.access, 'access', ctx(), silentLogger()) as PluginResponse;
    assert.deepEqual(out, { status: 403, body: { e: 1 } });
  });

  void test('_meta.filter skips the plugin when false', () => {
    calls.length = 0;
    const chain = chainOf({ first: { _meta: { filter: [['arg_x', '==', '1']] } }, last: {} });
    assert.equal(runStopPhase(chain.access, 'access', ctx(), silentLogger()), undefined);
    assert.deepEqual(calls, ['last']);
  });
});

void describe('admit', () => {
  void test('global rewrite, route rewrite, consumer rewrite, global access, route access', () => {
    calls.length = 0;
    const chains = { global: chainOf({ global: {} }), route: chainOf({ auth: {}, last: {} }) };
    const route = chains.route;
    const out = admit(
      chains,
      ctx(),
      (r, c) => builder.withConsumer(r, c, undefined),
      silentLogger(),
    );
    assert.equal(out, undefined);
    assert.deepEqual(calls, [
      'global-rewrite',
      'auth',
      'late-rewrite',
      'global-access',
      'last',
      'late-access',
    ]);
    assert.notEqual(chains.route, route, 'later phases use the merged chain');
  });

  void test('without plugins it does nothing', () => {
    const chains = { global: EMPTY_CHAIN, route: EMPTY_CHAIN };
    assert.equal(
      admit(chains, ctx(), (r) => r, silentLogger()),
      undefined,
    );
  });
});
