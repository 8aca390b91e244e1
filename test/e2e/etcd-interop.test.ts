import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EtcdStore } from '../../src/store/etcd/etcd-store.js';
import { etcdctl, etcdSuite, startEtcd } from '../support/etcd.js';
import {
  adminCall,
  call,
  startEtcdNode,
  waitApplied,
  type EtcdNode,
} from '../support/gatehouse-node.js';
import { startUpstream } from './helpers.js';

const T = 1718000000;

/** What APISIX `init_etcd` leaves behind: a non-JSON `init_dir` placeholder per directory (spec §1.1). */
const DIRECTORIES = [
  'routes',
  'upstreams',
  'services',
  'plugins',
  'consumers',
  'ssls',
  'global_rules',
  'plugin_configs',
  'plugin_metadata',
  'protos',
  'stream_routes',
  'consumer_groups',
  'secrets',
];

/**
 * Values as APISIX 3.0–3.13 stored them (defaults persisted, spec §1.2), a 20-digit POST id, an
 * integer id inside a value, the `/apisix/plugins` list and the `/apisix/gen_id` scratch key.
 */
function apisixFixtures(port: number): Record<string, string> {
  const upstreamId = '00000000000000000123';
  return {
    ...Object.fromEntries(DIRECTORIES.map((d) => [`/apisix/${d}/`, 'init_dir'])),
    '/apisix/plugins':
      '[{"name":"real-ip"},{"name":"proxy-rewrite"},{"name":"ip-restriction","stream":true}]',
    '/apisix/gen_id': '1',
    [`/apisix/upstreams/${upstreamId}`]: JSON.stringify({
      id: upstreamId,
      type: 'roundrobin',
      nodes: { [`127.0.0.1:${port}`]: 1 },
      hash_on: 'vars',
      pass_host: 'pass',
      scheme: 'http',
      create_time: T,
      update_time: T,
    }),
    '/apisix/routes/1': JSON.stringify({
      id: 1,
      uri: '/legacy',
      methods: ['GET'],
      priority: 0,
      status: 1,
      upstream_id: upstreamId,
      create_time: T,
      update_time: T,
    }),
    '/apisix/services/2': JSON.stringify({
      id: '2',
      create_time: T,
      update_time: T,
      upstream: {
        type: 'roundrobin',
        hash_on: 'vars',
        pass_host: 'pass',
        scheme: 'http',
        nodes: [{ host: '127.0.0.1', port, weight: 1, priority: 0 }],
      },
    }),
    '/apisix/routes/00000000000000000456': JSON.stringify({
      id: '00000000000000000456',
      uri: '/via-service/*',
      service_id: '2',
      priority: 0,
      status: 1,
      create_time: T,
      update_time: T,
    }),
    '/apisix/routes/3': JSON.stringify({
      id: '3',
      uri: '/disabled',
      status: 0,
      priority: 0,
      upstream_id: upstreamId,
      create_time: T,
      update_time: T,
    }),
  };
}

/**
 * A stored value as APISIX would store it: compact JSON (no whitespace: the bytes are what
 * JSON.stringify gives back) with exactly the expected members and values. Member order is not
 * compared: APISIX's own order comes from Lua's table hashing (cjson), not from the request.
 */
function assertStoredAs(stored: string, expected: Record<string, unknown>): void {
  const parsed = JSON.parse(stored) as Record<string, unknown>;
  assert.equal(stored, JSON.stringify(parsed), 'compact JSON, as APISIX writes it');
  assert.deepEqual(parsed, expected);
}

async function etcdValue(endpoint: string, key: string): Promise<string> {
  // etcdctl, as an operator would read it: key line, value line.
  const out = await etcdctl([endpoint], ['get', key]);
  const lines = out.split('\n');
  assert.equal(lines[0], key, `no ${key} in etcd`);
  return lines.slice(1).join('\n').replace(/\n$/, '');
}

etcdSuite('etcd interoperability with APISIX 3.x data', () => {
  void test('values APISIX wrote into etcd load and serve', async () => {
    const etcd = await startEtcd({ name: 'interop-read' });
    const upstream = await startUpstream();
    const store = await EtcdStore.open({ hosts: [etcd.endpoint], timeoutSeconds: 5 });
    let node: EtcdNode | undefined;
    try {
      for (const [key, value] of Object.entries(apisixFixtures(upstream.port))) {
        await etcdctl([etcd.endpoint], ['put', key, value]);
      }
      node = await startEtcdNode({ endpoints: [etcd.endpoint], workers: 2 });
      await waitApplied(node, await store.revision());
      for (let i = 0; i < 4; i++) {
        const legacy = await call(node.ports.http, 'GET', '/legacy');
        assert.equal(legacy.status, 200, legacy.body);
        assert.equal(legacy.body, 'upstream /legacy');
        const viaService = await call(node.ports.http, 'GET', '/via-service/x');
        assert.equal(viaService.status, 200, viaService.body);
        assert.equal((await call(node.ports.http, 'GET', '/disabled')).status, 404);
      }
      // The Control API lists the routes, not the placeholders; ids keep their stored JSON type.
      const routes = JSON.parse((await call(node.ports.control, 'GET', '/v1/routes')).body) as {
        key: string;
        value: { id: unknown };
      }[];
      assert.deepEqual(routes.map((r) => r.key).sort(), [
        '/apisix/routes/00000000000000000456',
        '/apisix/routes/1',
        '/apisix/routes/3',
      ]);
      // The Admin API reads APISIX's values back as they are stored.
      const one = await adminCall(node, 'GET', '/routes/1');
      assert.equal(one.status, 200, one.body);
      assert.deepEqual(
        (JSON.parse(one.body) as { value: unknown }).value,
        JSON.parse(apisixFixtures(upstream.port)['/apisix/routes/1'] ?? ''),
      );
      const list = await adminCall(node, 'GET', '/routes');
      assert.equal((JSON.parse(list.body) as { total: number }).total, 3);
    } finally {
      await store.close();
      if (node) assert.equal(await node.stop(), 0);
      upstream.server.close();
    }
  });

  void test('values written through the Admin API read back from etcd as APISIX 3.14+ stores them', async () => {
    const etcd = await startEtcd({ name: 'interop-write' });
    const node = await startEtcdNode({ endpoints: [etcd.endpoint], workers: 1 });
    try {
      // Spec §1.2: the body as sent, plus id, create_time and update_time; no defaults stored.
      const put = await adminCall(node, 'PUT', '/routes/1', {
        uri: '/hello',
        methods: ['GET'],
        upstream: { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } },
      });
      assert.equal(put.status, 201, put.body);
      const stored = await etcdValue(etcd.endpoint, '/apisix/routes/1');
      const time = (JSON.parse(stored) as { create_time: number }).create_time;
      assertStoredAs(
        stored,
        JSON.parse(
          `{"id":"1","uri":"/hello","methods":["GET"],"upstream":{"type":"roundrobin","nodes":{"127.0.0.1:1980":1}},"create_time":${time},"update_time":${time}}`,
        ) as Record<string, unknown>,
      );

      // Spec §3.3's example upstream, stored as sent.
      const upstream = {
        type: 'chash',
        hash_on: 'header',
        key: 'X-User',
        nodes: [
          { host: '10.0.0.1', port: 80, weight: 1, priority: 1 },
          { host: '10.0.0.2', port: 80, weight: 1 },
        ],
        retries: 1,
        timeout: { connect: 1, send: 5, read: 5 },
      };
      assert.equal((await adminCall(node, 'PUT', '/upstreams/u1', upstream)).status, 201);
      const u1 = await etcdValue(etcd.endpoint, '/apisix/upstreams/u1');
      const ut = (JSON.parse(u1) as { create_time: number }).create_time;
      assertStoredAs(u1, { id: 'u1', ...upstream, create_time: ut, update_time: ut });

      // POST: a 20-digit id from the revision of a write to /apisix/gen_id (spec §1.3).
      const post = await adminCall(node, 'POST', '/upstreams', { nodes: { '127.0.0.1:1': 1 } });
      assert.equal(post.status, 201, post.body);
      const key = (JSON.parse(post.body) as { key: string }).key;
      assert.match(key, /^\/apisix\/upstreams\/\d{20}$/);
      assert.equal(await etcdValue(etcd.endpoint, '/apisix/gen_id'), '1');
      const posted = JSON.parse(await etcdValue(etcd.endpoint, key)) as { id: string };
      assert.equal(posted.id, key.slice('/apisix/upstreams/'.length));
      // (Plugin metadata, stored with id = plugin name and no timestamps, waits for plugins.)
    } finally {
      assert.equal(await node.stop(), 0);
    }
  });
});
