import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import { ChainBuilder } from '../../src/plugin/chain-builder.js';
import type { PluginSource } from '../../src/plugin/chain.js';
import { PluginRegistry } from '../../src/plugin/registry.js';
import type { Consumer, PluginDefinition } from '../../src/plugin/types.js';
import { fakeEnv } from '../support/fake-plugin-context.js';

function def(
  name: string,
  priority: number,
  extra: Partial<PluginDefinition> = {},
): PluginDefinition {
  return {
    name,
    version: 1,
    priority,
    schema: { type: 'object', properties: { n: { type: 'integer', default: 7 } } },
    access: () => undefined,
    ...extra,
  };
}

let prepared = 0;
const DEFS = [
  def('low', 10),
  def('high', 3000),
  def('mid', 1000, {
    prepare: (conf) => {
      prepared++;
      return { doubled: (conf as { n: number }).n * 2 };
    },
  }),
  def('auth', 2500, { type: 'auth', rewrite: () => undefined }),
  def('metric', 500, { runPolicy: 'prefer_route', log: () => undefined }),
];
const registry = new PluginRegistry(
  DEFS,
  DEFS.map((d) => d.name),
);
const builder = (): ChainBuilder => new ChainBuilder(registry, fakeEnv(), silentLogger());

function src(
  name: string,
  conf: Record<string, unknown> = {},
  owner = '/apisix/routes/1',
): PluginSource {
  return { name, conf, owner: { key: owner, version: 1 } };
}

void describe('ChainBuilder', () => {
  void test('sorts plugins by priority, not by the order they are configured in', () => {
    const chain = builder().build([src('low'), src('mid'), src('high')]);
    assert.deepEqual(
      chain.entries.map((e) => e.name),
      ['high', 'mid', 'low'],
    );
  });

  void test('_meta.priority reorders only the entry that carries it', () => {
    const chain = builder().build([src('low', { _meta: { priority: 5000 } }), src('high')]);
    assert.deepEqual(
      chain.entries.map((e) => [e.name, e.priority]),
      [
        ['low', 5000],
        ['high', 3000],
      ],
    );
  });

  void test('_meta.disable leaves the plugin out of every phase', () => {
    const chain = builder().build([src('low', { _meta: { disable: true } }), src('high')]);
    assert.deepEqual(
      chain.access.map((e) => e.name),
      ['high'],
    );
    assert.equal(chain.has('low'), false);
  });

  void test('unknown plugins (not enabled on this node) are skipped', () => {
    const chain = builder().build([src('nope'), src('low')]);
    assert.deepEqual(
      chain.entries.map((e) => e.name),
      ['low'],
    );
  });

  void test('applies schema defaults, then prepares each conf object once', () => {
    const b = builder();
    const conf = {};
    prepared = 0;
    const first = b.build([src('mid', conf)]);
    const again = b.build([src('mid', conf)]);
    assert.deepEqual(first.entries[0]!.conf, { doubled: 14 });
    assert.equal(again.entries[0], first.entries[0]);
    assert.equal(prepared, 1);
    b.build([src('mid', { n: 1 })]);
    assert.equal(prepared, 2, 'a new version of the conf (a new object) is prepared again');
  });

  void test('merges global rules into one chain and drops a plugin configured in two rules', () => {
    const chain = builder().global([
      { key: '/apisix/global_rules/1', modRevision: 1, plugins: { low: {}, high: {} } },
      { key: '/apisix/global_rules/2', modRevision: 1, plugins: { high: {}, mid: {} } },
    ]);
    assert.deepEqual(
      chain.entries.map((e) => e.name),
      ['mid', 'low'],
    );
  });

  void test('compiles _meta.filter and _meta.error_response once', () => {
    const chain = builder().build([
      src('low', { _meta: { filter: [['arg_x', '==', '1']], error_response: 'nope' } }),
    ]);
    const entry = chain.entries[0]!;
    assert.equal(entry.filter?.({ get: (n) => (n === 'arg_x' ? '1' : undefined) }), true);
    assert.equal(entry.filter?.({ get: () => undefined }), false);
    assert.equal(entry.errorResponse, 'nope');
  });
});

void describe('ChainBuilder.withConsumer', () => {
  const consumer = (rev: number, plugins: Record<string, unknown>): Consumer => ({
    username: 'jack',
    groupId: 'g',
    labels: undefined,
    plugins,
    key: '/apisix/consumers/jack',
    modRevision: rev,
  });
  const group = { key: '/apisix/consumer_groups/g', modRevision: 3, plugins: { low: { n: 2 } } };

  void test('consumer beats its group, which beats the route; auth plugins are not merged', () => {
    const b = builder();
    const route = b.build([src('low', { n: 1 }), src('mid', { n: 1 }), src('auth', {})]);
    const merged = b.withConsumer(
      route,
      consumer(1, { mid: { n: 3 }, high: {}, auth: { key: 'k' } }),
      group,
    );
    const confOf = (name: string) => merged.entries.find((e) => e.name === name)!;
    assert.deepEqual(confOf('mid').conf, { doubled: 6 });
    assert.deepEqual(confOf('low').conf, { n: 2 });
    assert.equal(confOf('auth').conf, route.entries.find((e) => e.name === 'auth')!.conf);
    assert.equal(confOf('high').fromConsumer, true);
    assert.equal(confOf('low').fromConsumer, false);
  });

  void test('is cached on the route chain per consumer version', () => {
    const b = builder();
    const route = b.build([src('low')]);
    const c1 = consumer(1, { high: {} });
    const first = b.withConsumer(route, c1, undefined);
    assert.equal(b.withConsumer(route, c1, undefined), first);
    assert.notEqual(b.withConsumer(route, consumer(2, { high: {} }), undefined), first);
  });

  void test('a consumer that adds nothing keeps the route chain itself', () => {
    const b = builder();
    const route = b.build([src('low')]);
    assert.equal(b.withConsumer(route, consumer(1, { auth: { key: 'k' } }), undefined), route);
  });
});
