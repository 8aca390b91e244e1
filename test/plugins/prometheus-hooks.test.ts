/**
 * prometheus's log hook over fake contexts, each test with its own registry: the series and
 * label values APISIX exports, disabled labels, extra labels, and the sum two workers make in
 * the primary. Real traffic through two workers and the export server: prometheus.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatorRegistry, Registry } from 'prom-client';
import plugin from '../../src/plugins/prometheus.js';
import { readAttr } from '../../src/plugins/lib/prometheus-attr.js';
import { WorkerMetrics } from '../../src/plugins/lib/prometheus-metrics.js';
import { nodeOf } from '../../src/plugins/lib/prometheus-index.js';
import {
  preparePrometheus,
  type PreparedPrometheus,
} from '../../src/plugins/lib/prometheus-record.js';
import type { PluginContext } from '../../src/plugin/types.js';
import { fakeContext, fakeEnv } from '../support/fake-plugin-context.js';
import { fakeConsumer } from './lib/consumer.js';

const AI = 'request_type="traditional_http",request_llm_model="",llm_model=""';

function setup(attr: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) {
  const registry = new Registry();
  const metrics = new WorkerMetrics({ attr: readAttr(attr), registry, version: '9.9.9' });
  const env = fakeEnv({ prometheus: metadata });
  const prepare = (preferName = false): PreparedPrometheus =>
    preparePrometheus(preferName, metrics);
  return { registry, metrics, env, prepare };
}

/** A finished request as the log phase sees it. */
function finished(
  env: ReturnType<typeof fakeEnv>,
  fields: Partial<Record<keyof PluginContext, unknown>> & { vars?: Record<string, string> } = {},
): PluginContext {
  const { vars, ...rest } = fields;
  const ctx = fakeContext({ vars: { request_length: '100', bytes_sent: '250', ...vars } }, env);
  Object.assign(ctx, {
    upstreamAddr: '127.0.0.1:1980',
    upstreamStatus: 200,
    upstreamLatencyMs: 0,
    ...rest,
  });
  return ctx;
}

/** The exposition lines of `registry` that start with `prefix`. */
async function lines(registry: Registry, prefix: string): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((l) => l.startsWith(prefix));
}

void describe('prometheus log hook', () => {
  void test('counts http_status with APISIX labels, one series per code', async () => {
    const { registry, env, prepare } = setup();
    const p = prepare();
    for (let i = 0; i < 3; i++) plugin.log!(p, finished(env));
    const ctx = finished(env);
    ctx.response.status = 404;
    plugin.log!(p, ctx);
    assert.deepEqual(await lines(registry, 'apisix_http_status'), [
      `apisix_http_status{code="200",route="1",matched_uri="",matched_host="",service="",consumer="",node="127.0.0.1",${AI},response_source="upstream"} 3`,
      `apisix_http_status{code="404",route="1",matched_uri="",matched_host="",service="",consumer="",node="127.0.0.1",${AI},response_source="upstream"} 1`,
    ]);
  });

  void test('labels service, consumer, matched uri and host, and a response the gateway made', async () => {
    const { registry, env, prepare } = setup();
    plugin.log!(
      prepare(),
      finished(env, {
        serviceId: 's1',
        consumer: fakeConsumer('jack'),
        upstreamAddr: undefined,
        upstreamStatus: undefined,
        upstreamLatencyMs: undefined,
        vars: { matched_uri: '/foo*', matched_host: 'foo.com' },
      }),
    );
    assert.deepEqual(await lines(registry, 'apisix_http_status'), [
      `apisix_http_status{code="200",route="1",matched_uri="/foo*",matched_host="foo.com",service="s1",consumer="jack",node="",${AI},response_source="apisix"} 1`,
    ]);
  });

  void test('records request, upstream and apisix latency, and bandwidth both ways', async () => {
    const { registry, env, prepare } = setup();
    const p = prepare();
    plugin.log!(p, finished(env, { startTime: Date.now() - 30, upstreamLatencyMs: 12 }));
    plugin.log!(p, finished(env, { startTime: Date.now() - 30, upstreamLatencyMs: 12 }));
    const series = `route="1",service="",consumer="",node="127.0.0.1",${AI}`;
    const counts = await lines(registry, 'apisix_http_latency_count');
    assert.deepEqual(counts.sort(), [
      `apisix_http_latency_count{type="apisix",${series}} 2`,
      `apisix_http_latency_count{type="request",${series}} 2`,
      `apisix_http_latency_count{type="upstream",${series}} 2`,
    ]);
    const buckets = await lines(registry, 'apisix_http_latency_bucket{type="upstream"');
    assert.equal(buckets.length, 16);
    assert.equal(buckets[3], `apisix_http_latency_bucket{type="upstream",${series},le="10"} 0`);
    assert.equal(buckets[4], `apisix_http_latency_bucket{type="upstream",${series},le="20"} 2`);
    assert.equal(buckets[15], `apisix_http_latency_bucket{type="upstream",${series},le="+Inf"} 2`);
    assert.deepEqual(await lines(registry, 'apisix_http_latency_sum{type="upstream"'), [
      `apisix_http_latency_sum{type="upstream",${series}} 24`,
    ]);
    assert.deepEqual(await lines(registry, 'apisix_bandwidth'), [
      `apisix_bandwidth{type="ingress",${series}} 200`,
      `apisix_bandwidth{type="egress",${series}} 500`,
    ]);
  });

  void test('a request that was not proxied has no upstream latency', async () => {
    const { registry, env, prepare } = setup();
    plugin.log!(
      prepare(),
      finished(env, {
        upstreamAddr: undefined,
        upstreamStatus: undefined,
        upstreamLatencyMs: undefined,
      }),
    );
    const counts = await lines(registry, 'apisix_http_latency_count');
    assert.deepEqual(
      counts.map((l) => /type="(\w+)"/.exec(l)?.[1]),
      ['request', 'apisix'],
    );
  });

  void test('prefer_name labels route and service names', async () => {
    const { registry, env, prepare } = setup();
    plugin.log!(
      prepare(true),
      finished(env, { serviceId: '2', vars: { route_name: 'r-name', service_name: 's-name' } }),
    );
    const [line] = await lines(registry, 'apisix_bandwidth{type="egress"');
    assert.match(line ?? '', /route="r-name",service="s-name"/);
  });

  void test('metric_prefix and default_buckets come from plugin_attr', async () => {
    const { registry, env, prepare } = setup({ metric_prefix: 'gh_', default_buckets: [15, 5] });
    plugin.log!(prepare(), finished(env, { upstreamLatencyMs: 7 }));
    const buckets = await lines(registry, 'gh_http_latency_bucket{type="upstream"');
    assert.deepEqual(
      buckets.map((l) => /le="([^"]+)"\} (\d+)/.exec(l)?.slice(1).join(' ')),
      ['5 0', '15 1', '+Inf 1'],
    );
    assert.equal((await lines(registry, 'apisix_')).length, 0);
  });

  void test('extra_labels read their variable per request', async () => {
    const { registry, env, prepare } = setup({
      metrics: { http_status: { extra_labels: [{ upstream_addr: '$upstream_addr' }] } },
    });
    const p = prepare();
    plugin.log!(p, finished(env, { vars: { upstream_addr: '10.0.0.1:80' } }));
    plugin.log!(p, finished(env, { vars: { upstream_addr: '10.0.0.2:80' } }));
    const status = await lines(registry, 'apisix_http_status');
    assert.deepEqual(
      status.map((l) => /,upstream_addr="([^"]*)"\} 1$/.exec(l)?.[1]),
      ['10.0.0.1:80', '10.0.0.2:80'],
    );
    assert.doesNotMatch((await lines(registry, 'apisix_bandwidth'))[0] ?? '', /upstream_addr/);
  });

  void test('disabled_labels blank the labels, merging the series', async () => {
    const { registry, env, prepare } = setup(
      {},
      {
        disabled_labels: { http_status: ['node', 'consumer'], bandwidth: ['route'] },
      },
    );
    const p = prepare();
    plugin.log!(p, finished(env, { consumer: fakeConsumer('a'), upstreamAddr: '10.0.0.1:80' }));
    plugin.log!(p, finished(env, { consumer: fakeConsumer('b'), upstreamAddr: '10.0.0.2:80' }));
    assert.deepEqual(await lines(registry, 'apisix_http_status'), [
      `apisix_http_status{code="200",route="1",matched_uri="",matched_host="",service="",consumer="",node="",${AI},response_source="upstream"} 2`,
    ]);
    const ingress = await lines(registry, 'apisix_bandwidth{type="ingress"');
    assert.equal(ingress.length, 2);
    assert.match(ingress[0] ?? '', /route="",service="",consumer="a",node="10.0.0.1"/);
  });

  void test('a change of disabled_labels applies to the next request', async () => {
    const metadata: Record<string, unknown> = {};
    const { registry, prepare } = setup();
    const env = fakeEnv({});
    let current: Record<string, unknown> | undefined = metadata;
    env.metadata = () => current;
    const p = prepare();
    plugin.log!(p, finished(env));
    current = { disabled_labels: { http_status: ['route'] } };
    plugin.log!(p, finished(env));
    const routes = (await lines(registry, 'apisix_http_status')).map(
      (l) => /route="([^"]*)"/.exec(l)?.[1],
    );
    assert.deepEqual(routes, ['1', '']);
  });

  void test('the primary sums two workers series by series', async () => {
    const a = setup();
    const b = setup();
    for (const w of [a, a, b]) plugin.log!(w.prepare(), finished(w.env, { upstreamLatencyMs: 3 }));
    const summed = AggregatorRegistry.aggregate([
      await a.registry.getMetricsAsJSON(),
      await b.registry.getMetricsAsJSON(),
    ]);
    const text = (await summed.metrics()).split('\n');
    assert.equal(text.filter((l) => l.startsWith('apisix_http_status{')).length, 1);
    assert.ok(text.some((l) => l.startsWith('apisix_http_status{code="200"') && l.endsWith('} 3')));
    assert.ok(
      text.includes(
        `apisix_http_latency_bucket{type="upstream",route="1",service="",consumer="",node="127.0.0.1",${AI},le="5"} 3`,
      ),
    );
    assert.deepEqual(
      text.filter((l) => l.startsWith('apisix_node_info')),
      [`apisix_node_info{hostname="${(await import('node:os')).hostname()}",version="9.9.9"} 1`],
    );
  });

  void test('the schema defaults prefer_name to false and refuses structural disabled labels', () => {
    const props = plugin.schema['properties'] as Record<string, { default?: unknown }>;
    assert.equal(props['prefer_name']?.default, false);
    const md = plugin.metadataSchema!['properties'] as Record<string, Record<string, unknown>>;
    const status = (md['disabled_labels']!['properties'] as Record<string, unknown>)[
      'http_status'
    ] as { items: { enum: string[] } };
    assert.ok(!status.items.enum.includes('code'));
    assert.ok(status.items.enum.includes('node'));
  });

  void test('node is the address without the port', () => {
    assert.equal(nodeOf('127.0.0.1:1980'), '127.0.0.1');
    assert.equal(nodeOf('[::1]:80'), '::1');
    assert.equal(nodeOf('example.com'), 'example.com');
  });
});
