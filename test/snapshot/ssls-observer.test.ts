import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KeyValue } from '../../src/core/kv.js';
import { silentLogger } from '../../src/core/logger.js';
import { PluginRegistry } from '../../src/plugin/registry.js';
import { DataPlaneState } from '../../src/snapshot/state.js';
import type { ItemObserver, LoadedItem } from '../../src/snapshot/types.js';
import { TEST_CERT, TEST_KEY } from '../resources/pem-fixture.js';

/** Records what the state tells the observer of `ssls`. */
class Recorder implements ItemObserver {
  readonly calls: string[] = [];
  reset(items: readonly LoadedItem[]): void {
    this.calls.push(`reset ${items.map((i) => i.id).join(',')}`);
  }
  changed(id: string, item: LoadedItem | undefined): void {
    this.calls.push(`${item === undefined ? 'deleted' : `put@${item.modRevision}`} ${id}`);
  }
}

function setup() {
  const ssls = new Recorder();
  const state = new DataPlaneState({
    prefix: '/apisix',
    routerKind: 'radixtree_host_uri',
    plugins: () => new PluginRegistry([], []),
    logger: silentLogger(),
    upstreams: () => ({ close: () => undefined }),
    ssls,
  });
  const kv = (path: string, value: unknown, rev: number): KeyValue => ({
    key: `/apisix/${path}`,
    value: JSON.stringify(value),
    createRevision: rev,
    modRevision: rev,
    lease: 0,
  });
  return { state, ssls, kv };
}

const ssl = { cert: TEST_CERT, key: TEST_KEY, sni: 'test.com' };

void test('the ssls observer gets every ssl on reset, then each put and delete', () => {
  const { state, ssls, kv } = setup();
  state.reset([kv('ssls/1', ssl, 2), kv('routes/1', { uri: '/', upstream: {} }, 3)], 3);
  state.apply(4, [{ type: 'put', kv: kv('ssls/2', ssl, 4) }]);
  state.apply(5, [{ type: 'delete', key: '/apisix/ssls/1', modRevision: 5 }]);
  assert.deepEqual(ssls.calls, ['reset 1', 'put@4 2', 'deleted 1']);
});

void test('an ssl value that fails to load is not passed on', () => {
  const { state, ssls, kv } = setup();
  state.reset([kv('ssls/1', ssl, 2)], 2);
  state.apply(3, [{ type: 'put', kv: kv('ssls/1', { sni: 'test.com' }, 3) }]);
  assert.deepEqual(ssls.calls, ['reset 1']);
  assert.equal(state.item('ssls', '1')?.modRevision, 2);
});
