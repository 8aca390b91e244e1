import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceValue } from '../../src/resources/types.js';
import { kindOf, memoryContext } from './helpers.js';

const splitTo = (id: number | string): ResourceValue => ({
  'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: id, weight: 1 }] }] },
});

const cases: {
  desc: string;
  dir: string;
  id: string;
  store: Record<string, ResourceValue>;
  want?: string;
}[] = [
  {
    desc: 'blocks deleting an upstream a route uses',
    dir: 'upstreams',
    id: '1',
    store: { 'routes/r1': { uri: '/', upstream_id: 1 } },
    want: 'can not delete this upstream, route [r1] is still using it now',
  },
  {
    desc: 'blocks deleting an upstream a service uses',
    dir: 'upstreams',
    id: '1',
    store: { 'services/s1': { upstream_id: '1' } },
    want: 'can not delete this upstream, service [s1] is still using it now',
  },
  {
    desc: 'blocks deleting an upstream traffic-split uses in a plugin config',
    dir: 'upstreams',
    id: '1',
    store: { 'plugin_configs/p1': { id: 'p1', plugins: splitTo(1) } },
    want: 'can not delete this upstream, plugin in plugin_config [p1] is still using it now',
  },
  {
    desc: 'blocks deleting an upstream traffic-split uses in a global rule',
    dir: 'upstreams',
    id: '1',
    store: { 'global_rules/g': { id: 'g', plugins: splitTo('1') } },
    want: 'can not delete this upstream, plugin in global_rules [g] is still using it now',
  },
  {
    desc: 'does not block an upstream only a stream route uses (as APISIX)',
    dir: 'upstreams',
    id: '1',
    store: { 'stream_routes/1': { upstream_id: 1 } },
  },
  {
    desc: 'blocks deleting a service a route uses',
    dir: 'services',
    id: '1',
    store: { 'routes/7': { uri: '/', service_id: 1 } },
    want: 'can not delete this service directly, route [7] is still using it now',
  },
  {
    desc: 'blocks deleting a service a stream route uses',
    dir: 'services',
    id: '1',
    store: { 'stream_routes/8': { service_id: 1 } },
    want: 'can not delete this service directly, stream_route [8] is still using it now',
  },
  {
    desc: 'blocks deleting a plugin config a route uses',
    dir: 'plugin_configs',
    id: '1',
    store: { 'routes/1': { uri: '/', plugin_config_id: 1 } },
    want: 'can not delete this plugin config, route [1] is still using it now',
  },
  {
    desc: 'blocks deleting a consumer group a consumer uses',
    dir: 'consumer_groups',
    id: 'g1',
    store: { 'consumers/bob': { username: 'bob', group_id: 'g1' } },
    want: 'can not delete this consumer group, consumer [bob] is still using it now',
  },
  {
    desc: 'blocks deleting a proto grpc-transcode uses',
    dir: 'protos',
    id: '1',
    store: { 'routes/1': { uri: '/', plugins: { 'grpc-transcode': { proto_id: '1' } } } },
    want: 'can not delete this proto, route [1] is still using it now',
  },
  {
    desc: 'blocks deleting a superior stream route',
    dir: 'stream_routes',
    id: '1',
    store: { 'stream_routes/2': { protocol: { name: 'redis', superior_id: 1 } } },
    want: 'can not delete this stream route directly, stream route [2] is still using it as superior_id',
  },
  {
    desc: 'allows deleting an unused upstream',
    dir: 'upstreams',
    id: '1',
    store: { 'routes/1': { upstream_id: 2 } },
  },
];

void describe('deleteBlocker', () => {
  for (const c of cases) {
    void test(c.desc, async () => {
      const kind = kindOf(c.dir);
      assert.equal(typeof kind.deleteBlocker, 'function');
      assert.equal(await kind.deleteBlocker?.(c.id, memoryContext(c.store)), c.want);
    });
  }

  void test('routes, ssls and consumers have no delete check', () => {
    for (const dir of ['routes', 'ssls', 'consumers', 'global_rules', 'secrets']) {
      assert.equal('deleteBlocker' in kindOf(dir), false, dir);
    }
  });
});
