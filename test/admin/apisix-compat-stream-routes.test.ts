import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PluginRegistry } from '../../src/plugin/registry.js';
import type { PluginDefinition } from '../../src/plugin/types.js';
import { startAdmin, type TestAdmin } from './helpers.js';

const MQTT_PROXY: PluginDefinition = {
  name: 'mqtt-proxy',
  version: 0.1,
  priority: 1000,
  schema: {
    type: 'object',
    properties: { protocol_name: { type: 'string' }, protocol_level: { type: 'integer' } },
    required: ['protocol_name', 'protocol_level'],
  },
};
const STREAM_PLUGINS = new PluginRegistry([MQTT_PROXY], [MQTT_PROXY.name]);

// t/admin/stream-routes.t: stream route plugins are checked against the stream plugin set.
void describe('stream route plugins', () => {
  let admin: TestAdmin;
  before(async () => {
    admin = await startAdmin({ streamPlugins: () => STREAM_PLUGINS });
  });
  after(() => admin.close());

  void it('rejects a stream route with an unknown stream plugin', async () => {
    const res = await admin.request('PUT', '/apisix/admin/stream_routes/1', {
      remote_addr: '127.0.0.1',
      plugins: { 'mqttt-proxy': {} },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error_msg: 'unknown plugin [mqttt-proxy]' });
  });

  void it('rejects an HTTP-only plugin on a stream route', async () => {
    const res = await admin.request('PUT', '/apisix/admin/stream_routes/1', {
      plugins: { 'limit-count': { count: 1, time_window: 1 } },
    });
    assert.deepEqual(res.body, { error_msg: 'unknown plugin [limit-count]' });
  });

  void it('words a stream plugin schema failure as APISIX', async () => {
    const res = await admin.request('PUT', '/apisix/admin/stream_routes/1', {
      plugins: { 'mqtt-proxy': { protocol_name: 'MQTT' } },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, {
      error_msg:
        'failed to check the configuration of stream plugin [mqtt-proxy]: property "protocol_level" is required',
    });
  });

  void it('rejects a plugin conf that is not an object', async () => {
    const res = await admin.request('PUT', '/apisix/admin/stream_routes/1', {
      plugins: { 'mqtt-proxy': 'x' },
    });
    assert.equal(res.status, 400);
    assert.match(res.body.error_msg, /^invalid plugin conf "x" for plugin \[mqtt-proxy\]$/);
  });

  void it('accepts a valid stream plugin, and a disabled one that fails its schema', async () => {
    const ok = await admin.request('PUT', '/apisix/admin/stream_routes/1', {
      plugins: { 'mqtt-proxy': { protocol_name: 'MQTT', protocol_level: 4 } },
    });
    assert.equal(ok.status, 201, ok.text);
    const disabled = await admin.request('PUT', '/apisix/admin/stream_routes/2', {
      plugins: { 'mqtt-proxy': { _meta: { disable: true } } },
    });
    assert.equal(disabled.status, 201, disabled.text);
  });
});
