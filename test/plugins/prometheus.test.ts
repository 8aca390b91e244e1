/**
 * prometheus over real traffic: two workers count, the primary's export server answers their
 * sum. Counts are compared as deltas between two scrapes of series this file's own routes make,
 * and a scrape is repeated until the last request's log hook has run (the client may see the
 * response a moment before the worker's log phase); the final figure must be exact.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../support/free-port.js';
import { httpCall, waitUntil } from '../support/gatehouse-process.js';
import { startTestGateway, type TestGateway } from '../support/plugin-gateway.js';

const URI = '/apisix/prometheus/metrics';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of the samples of `name` whose labels include `want`. */
function total(samples: Sample[], name: string, want: Record<string, string>): number {
  return samples
    .filter((s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

void describe('prometheus over traffic (two workers, export server)', () => {
  let gw: TestGateway;
  let port: number;

  const scrape = async (): Promise<Sample[]> => {
    const reply = await httpCall(port, 'GET', URI);
    assert.equal(reply.status, 200, reply.body);
    return parse(reply.body);
  };

  /** Scrapes until `name{want}` has grown by `n` since `before`, then returns the samples. */
  const grown = async (
    before: Sample[],
    name: string,
    want: Record<string, string>,
    n: number,
  ): Promise<Sample[]> => {
    let now = before;
    const base = total(before, name, want);
    await waitUntil(
      async () => {
        now = await scrape();
        return total(now, name, want) - base >= n;
      },
      `${name} ${JSON.stringify(want)} +${n}`,
    );
    return now;
  };

  const send = async (n: number, path: string, headers?: Record<string, string>) => {
    for (let i = 0; i < n; i++) {
      const reply = await gw.request(path, headers ? { headers } : {});
      assert.ok(reply.status < 500, `${path}: ${reply.status} ${reply.body}`);
    }
  };

  before(async () => {
    port = await freePort();
    gw = await startTestGateway({
      workers: 2,
      pluginAttr: [`  prometheus: { export_addr: { ip: 127.0.0.1, port: ${port} } }`],
    });
  });
  after(async () => {
    await gw?.close();
  });

  void test('counts every request of a route over both workers, with APISIX labels', async () => {
    await gw.put('/routes/1', {
      uri: '/prom/one',
      plugins: { prometheus: {} },
      upstream: gw.upstream,
    });
    const start = await scrape();
    const n = 20;
    await send(n, '/prom/one');
    const status = { code: '200', route: '1', service: '', consumer: '', node: '127.0.0.1' };
    const end = await grown(start, 'apisix_http_status', status, n);
    assert.equal(
      total(end, 'apisix_http_status', status) - total(start, 'apisix_http_status', status),
      n,
    );
    const series = end.filter((s) => s.name === 'apisix_http_status' && s.labels['route'] === '1');
    assert.deepEqual(Object.keys(series[0]!.labels), [
      'code',
      'route',
      'matched_uri',
      'matched_host',
      'service',
      'consumer',
      'node',
      'request_type',
      'request_llm_model',
      'llm_model',
      'response_source',
    ]);
    assert.equal(series[0]!.labels['request_type'], 'traditional_http');
    assert.equal(series[0]!.labels['response_source'], 'upstream');

    const latency = (type: string, s: Sample[]) =>
      total(s, 'apisix_http_latency_count', { type, route: '1', node: '127.0.0.1' });
    for (const type of ['request', 'upstream', 'apisix']) {
      assert.equal(latency(type, end) - latency(type, start), n, `latency ${type}`);
    }
    const inf = (s: Sample[]) =>
      total(s, 'apisix_http_latency_bucket', { type: 'request', route: '1', le: '+Inf' });
    assert.equal(inf(end) - inf(start), n);
    for (const type of ['ingress', 'egress']) {
      const bytes = total(end, 'apisix_bandwidth', { type, route: '1' });
      assert.ok(bytes - total(start, 'apisix_bandwidth', { type, route: '1' }) >= n * 50, type);
    }
  });

  void test('labels the service and the consumer', async () => {
    await gw.put('/consumers', {
      username: 'prom_jack',
      plugins: { 'key-auth': { key: 'prom-key' } },
    });
    await gw.put('/services/prom-svc', { plugins: { prometheus: {} }, upstream: gw.upstream });
    await gw.put('/routes/2', {
      uri: '/prom/two',
      service_id: 'prom-svc',
      plugins: { 'key-auth': {} },
    });
    const start = await scrape();
    await send(5, '/prom/two', { apikey: 'prom-key' });
    const want = { code: '200', route: '2', service: 'prom-svc', consumer: 'prom_jack' };
    const end = await grown(start, 'apisix_http_status', want, 5);
    assert.equal(
      total(end, 'apisix_http_status', want) - total(start, 'apisix_http_status', want),
      5,
    );
    const rejected = await gw.request('/prom/two');
    assert.equal(rejected.status, 401);
    const denied = { code: '401', route: '2', service: 'prom-svc', consumer: '', node: '' };
    await grown(end, 'apisix_http_status', { ...denied, response_source: 'apisix' }, 1);
  });

  void test('a global rule counts routes without the plugin, and the 404 of no route', async () => {
    await gw.put('/routes/3', { uri: '/prom/three', upstream: gw.upstream });
    await gw.put('/global_rules/prom', { plugins: { prometheus: {} } });
    try {
      const start = await scrape();
      await send(3, '/prom/three');
      await send(2, '/prom/no-such-route');
      const routed = { code: '200', route: '3' };
      const none = { code: '404', route: '', node: '' };
      const end = await grown(start, 'apisix_http_status', routed, 3);
      const last = await grown(start, 'apisix_http_status', none, 2);
      assert.equal(
        total(last, 'apisix_http_status', none) - total(start, 'apisix_http_status', none),
        2,
      );
      assert.equal(
        total(end, 'apisix_http_status', routed) - total(start, 'apisix_http_status', routed),
        3,
      );
    } finally {
      await gw.delete('/global_rules/prom');
    }
  });

  void test('prefer_route: on the route and in a global rule, a request is counted once', async () => {
    await gw.put('/routes/4', {
      uri: '/prom/four',
      plugins: { prometheus: {} },
      upstream: gw.upstream,
    });
    await gw.put('/global_rules/prom', { plugins: { prometheus: {} } });
    try {
      const start = await scrape();
      await send(6, '/prom/four');
      const want = { code: '200', route: '4' };
      const end = await grown(start, 'apisix_http_status', want, 6);
      // One more request, then its count: had the global copy run too, the six would be twelve.
      await send(1, '/prom/four');
      const last = await grown(end, 'apisix_http_status', want, 1);
      assert.equal(
        total(last, 'apisix_http_status', want) - total(start, 'apisix_http_status', want),
        7,
      );
    } finally {
      await gw.delete('/global_rules/prom');
    }
  });

  const named = async (want: Record<string, string>) => {
    await gw.put('/services/prom-named', { name: 'svc-name', upstream: gw.upstream });
    await gw.put('/routes/5', {
      name: 'route-five',
      uri: '/prom/five',
      service_id: 'prom-named',
      plugins: { prometheus: { prefer_name: true } },
    });
    const start = await scrape();
    await send(2, '/prom/five');
    const end = await grown(start, 'apisix_http_status', { code: '200', ...want }, 2);
    assert.equal(
      total(end, 'apisix_http_status', want) - total(start, 'apisix_http_status', want),
      2,
    );
  };

  void test('prefer_name labels the route with its name', () => named({ route: 'route-five' }));

  void test('prefer_name labels the service with its name', () =>
    named({ route: 'route-five', service: 'svc-name' }));

  void test('plugin_metadata disabled_labels blank those labels from the next request on', async () => {
    await gw.put('/routes/6', {
      uri: '/prom/six',
      plugins: { prometheus: {} },
      upstream: gw.upstream,
    });
    await gw.put('/plugin_metadata/prometheus', {
      disabled_labels: { http_status: ['route', 'node'] },
    });
    try {
      const start = await scrape();
      await send(3, '/prom/six');
      const want = { code: '200', route: '', node: '', response_source: 'upstream' };
      const end = await grown(start, 'apisix_http_status', want, 3);
      assert.equal(
        total(end, 'apisix_http_status', want) - total(start, 'apisix_http_status', want),
        3,
      );
      const egress = { type: 'egress', route: '6', node: '127.0.0.1' };
      assert.ok(total(end, 'apisix_bandwidth', egress) > 0, 'bandwidth keeps its labels');
    } finally {
      await gw.delete('/plugin_metadata/prometheus');
    }
  });

  void test('node_info, requests and connections come once for the node', async () => {
    const samples = await scrape();
    const info = samples.filter((s) => s.name === 'apisix_node_info');
    assert.equal(info.length, 1);
    assert.equal(info[0]!.value, 1);
    assert.ok(total(samples, 'apisix_http_requests_total', {}) > 0);
    const accepted = total(samples, 'apisix_nginx_http_current_connections', { state: 'accepted' });
    assert.ok(accepted > 0);
  });

  void test('answers 404 on another path and for another method', async () => {
    assert.equal((await httpCall(port, 'GET', '/metrics')).status, 404);
    assert.equal((await httpCall(port, 'POST', URI)).status, 404);
  });
});
