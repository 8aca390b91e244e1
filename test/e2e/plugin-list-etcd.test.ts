/**
 * The `/apisix/plugins` key over a real etcd (spec core §1.5): a node with the Admin API
 * publishes config.yaml's plugin list there; a data plane runs the plugins it names and follows
 * its changes with no restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import { decodePluginList } from '../../src/gateway/plugin-list.js';
import { EtcdStore } from '../../src/store/etcd/etcd-store.js';
import { etcdSuite, startEtcd } from '../support/etcd.js';
import { admin, controlJson, httpGet, startGatehouse, startUpstream, until } from './helpers.js';

const KEY = '/apisix/plugins';

function deployment(role: string, endpoint: string): string {
  return [
    `  role: ${role}`,
    `  role_${role}: { config_provider: etcd }`,
    `  etcd: { host: ["${endpoint}"], prefix: /apisix }`,
  ].join('\n');
}

const openStore = (endpoint: string) =>
  EtcdStore.open({ hosts: [endpoint], timeoutSeconds: 5, logger: silentLogger() });

const list = (...names: string[]): string => JSON.stringify(names.map((name) => ({ name })));

async function enabledPlugins(gw: Parameters<typeof controlJson>[0]): Promise<string[]> {
  const schema = await controlJson<{ plugins: Record<string, unknown> }>(gw, '/v1/schema');
  return Object.keys(schema.plugins).sort();
}

etcdSuite('/apisix/plugins', () => {
  void test('a data plane runs the plugins the key names and follows its changes', async () => {
    const etcd = await startEtcd();
    const store = await openStore(etcd.endpoint);
    const upstream = await startUpstream();
    await store.put(KEY, list('key-auth', 'echo'));
    const route = {
      id: '1',
      uri: '/dp',
      plugins: { 'key-auth': {} },
      upstream: { type: 'roundrobin', nodes: { [`127.0.0.1:${upstream.port}`]: 1 } },
    };
    await store.put('/apisix/routes/1', JSON.stringify(route));
    const dp = await startGatehouse({
      workers: 1,
      deployment: deployment('data_plane', etcd.endpoint),
    });
    try {
      assert.deepEqual(await enabledPlugins(dp), ['echo', 'key-auth']);
      assert.equal((await httpGet(dp.ports.http, '/dp')).status, 401, 'key-auth runs');

      await store.put(KEY, list('echo', 'ip-restriction'));
      await until(
        async () => (await httpGet(dp.ports.http, '/dp')).status === 200,
        'the new list applied',
      );
      assert.deepEqual(await enabledPlugins(dp), ['echo', 'ip-restriction']);

      await store.put(KEY, '{"not":"a list"}');
      await store.delete(KEY);
      await store.put(
        '/apisix/routes/2',
        JSON.stringify({ id: '2', uri: '/marker', upstream: route.upstream }),
      );
      await until(
        async () => (await httpGet(dp.ports.http, '/marker')).status === 200,
        'a later write applied',
      );
      assert.deepEqual(
        await enabledPlugins(dp),
        ['echo', 'ip-restriction'],
        'an invalid or deleted list changes nothing',
      );
      assert.match(dp.output(), /invalid plugin list in the store; ignored/);
    } finally {
      await dp.stop();
      await store.close();
      upstream.server.close();
    }
  });

  void test('a node with the Admin API rewrites a differing list at start and publishes it on reload', async () => {
    const etcd = await startEtcd();
    const store = await openStore(etcd.endpoint);
    const spec = {
      workers: 1,
      deployment: deployment('traditional', etcd.endpoint),
      extra: ['plugins: [key-auth, echo]'],
    };
    const httpPlugins = async (): Promise<string[] | undefined> => {
      const kv = await store.get(KEY);
      return kv === undefined ? undefined : [...(decodePluginList(kv.value)?.http ?? [])].sort();
    };
    let gw = await startGatehouse(spec);
    try {
      assert.equal(await httpPlugins(), undefined, 'a missing key is left alone at start');
      assert.equal((await admin(gw, 'PUT', '/plugins/reload')).status, 200);
      assert.deepEqual(await httpPlugins(), ['echo', 'key-auth'], 'reload publishes it');
      await gw.stop();

      await store.put(KEY, list('cors'));
      gw = await startGatehouse(spec);
      assert.deepEqual(await httpPlugins(), ['echo', 'key-auth'], 'a differing key is rewritten');
    } finally {
      await gw.stop();
      await store.close();
    }
  });
});
