/**
 * `plugin_attr.prometheus.enable_export_server: false`: nothing listens on `export_addr`, and
 * the plugin still runs on routes (its own gateway: the export server is decided at start).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../support/free-port.js';
import { httpCall } from '../support/gatehouse-process.js';
import { startTestGateway, type TestGateway } from '../support/plugin-gateway.js';

void describe('prometheus with the export server off', () => {
  let gw: TestGateway;
  let port: number;
  before(async () => {
    port = await freePort();
    gw = await startTestGateway({
      pluginAttr: [
        `  prometheus: { enable_export_server: false, export_addr: { ip: 127.0.0.1, port: ${port} } }`,
      ],
    });
  });
  after(async () => {
    await gw?.close();
  });

  void test('opens no export server, and routes with the plugin still serve', async () => {
    await gw.put('/routes/1', { uri: '/off', plugins: { prometheus: {} }, upstream: gw.upstream });
    assert.equal((await gw.request('/off')).status, 200);
    await assert.rejects(httpCall(port, 'GET', '/apisix/prometheus/metrics'), {
      code: 'ECONNREFUSED',
    });
  });
});
