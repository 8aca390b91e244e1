/**
 * Cost of prometheus's log hook per request, against baselines in the same run (not a test;
 * never asserts timings):
 *
 *   npx tsc -p . && node dist/bench/prometheus-log.js [calls=1000000] [rounds=5]
 *
 * - `empty hook`: a log hook that reads the context fields prometheus reads and records nothing;
 * - `prometheus`: the plugin's hook (request_length and bytes_sent given as variables);
 * - `prometheus, runtime context`: the hook over the proxy's own PluginRequest (what a worker
 *   runs: `request_length` and `bytes_sent` counted from the request and response heads);
 * - `prom-client children`: the same series recorded through prom-client's own cached children
 *   (`counter.labels(...)` kept per series), the approach the cells replace.
 *
 * Requests cycle over 4 consumers × 2 upstream nodes × 2 status codes (16 series per metric).
 * Rounds alternate the variants; the table shows the median round.
 */
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Counter, Histogram, Registry } from 'prom-client';
import plugin from '../src/plugins/prometheus.js';
import { readAttr, DEFAULT_BUCKETS } from '../src/plugins/lib/prometheus-attr.js';
import { WorkerMetrics } from '../src/plugins/lib/prometheus-metrics.js';
import {
  preparePrometheus,
  type PreparedPrometheus,
} from '../src/plugins/lib/prometheus-record.js';
import { EMPTY_CHAIN } from '../src/plugin/chain.js';
import type { Consumer, PluginContext } from '../src/plugin/types.js';
import { NO_BODY_RULES, PluginRequest } from '../src/proxy/plugin-request.js';
import { RequestFacts } from '../src/proxy/request-vars.js';
import type { ResolvedRoute } from '../src/snapshot/types.js';
import type { RuntimeUpstream } from '../src/upstream/runtime.js';
import { fakeContext, fakeEnv } from '../test/support/fake-plugin-context.js';
import { median } from './stats.js';

const calls = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 5);
const env = fakeEnv();

function consumer(username: string): Consumer {
  return { username, groupId: undefined, labels: undefined, plugins: {}, key: '', modRevision: 1 };
}

function contexts(): PluginContext[] {
  return Array.from({ length: 16 }, (_, i) => {
    const ctx = fakeContext(
      {
        url: '/hello?x=1',
        headers: { host: 'example.com', 'user-agent': 'bench', accept: '*/*' },
        vars: { request_length: '120', bytes_sent: '300' },
      },
      env,
    );
    ctx.response.status = i & 1 ? 404 : 200;
    ctx.response.setHeader('content-type', 'application/json');
    Object.assign(ctx, {
      consumer: consumer(`user${(i >> 1) & 3}`),
      upstreamAddr: `10.0.0.${(i >> 3) + 1}:80`,
      upstreamStatus: ctx.response.status,
      upstreamLatencyMs: 3,
      startTime: Date.now() - 5,
    });
    return ctx;
  });
}

/** The proxy's context for a GET with three headers and a proxied 200 response. */
function runtimeContexts(): PluginContext[] {
  const route = {
    id: '1',
    name: undefined,
    serviceId: undefined,
  } as ResolvedRoute<RuntimeUpstream>;
  const chains = { global: EMPTY_CHAIN, route: EMPTY_CHAIN };
  const consumers = { find: () => undefined, byName: () => undefined };
  return Array.from({ length: 16 }, (_, i) => {
    const req = {
      method: 'GET',
      url: '/hello?x=1',
      httpVersion: '1.1',
      headers: { host: 'example.com', 'user-agent': 'bench', accept: '*/*' },
      rawHeaders: ['Host', 'example.com', 'User-Agent', 'bench', 'Accept', '*/*'],
      socket: {},
    } as unknown as IncomingMessage;
    const facts = new RequestFacts(req, '/hello', 'example.com', '127.0.0.1', 'http');
    const pr = new PluginRequest(req, facts, route, chains, env, consumers, NO_BODY_RULES);
    const status = i & 1 ? 404 : 200;
    pr.response.reset(status, ['Content-Type', 'application/json', 'Content-Length', '120']);
    pr.response.bytesSent = 120;
    pr.consumer = consumer(`user${(i >> 1) & 3}`);
    pr.upstreamAddr = `10.0.0.${(i >> 3) + 1}:80`;
    pr.upstreamStatus = status;
    pr.upstreamLatencyMs = 3;
    return pr;
  });
}

function prepared(): PreparedPrometheus {
  const metrics = new WorkerMetrics({ attr: readAttr({}), registry: new Registry(), version: '0' });
  return preparePrometheus(false, metrics);
}

/** The same series through prom-client children, cached per request key. */
function promClientHook(): (ctx: PluginContext) => void {
  const registry = new Registry();
  const labels = ['route', 'service', 'consumer', 'node'];
  const status = new Counter({
    name: 'status',
    help: 'h',
    labelNames: ['code', ...labels],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'latency',
    help: 'h',
    labelNames: ['type', ...labels],
    buckets: [...DEFAULT_BUCKETS],
    registers: [registry],
  });
  const bandwidth = new Counter({
    name: 'bw',
    help: 'h',
    labelNames: ['type', ...labels],
    registers: [registry],
  });
  type Children = {
    status: Counter.Internal;
    latency: Histogram.Internal<string>[];
    bw: Counter.Internal[];
  };
  const cache = new Map<string, Children>();
  return (ctx) => {
    const l = [
      ctx.routeId ?? '',
      ctx.serviceId ?? '',
      ctx.consumer?.username ?? '',
      ctx.upstreamAddr ?? '',
    ];
    const key = `${ctx.response.status}\u0000${l.join('\u0000')}`;
    let c = cache.get(key);
    if (c === undefined) {
      c = {
        status: status.labels(String(ctx.response.status), ...l),
        latency: ['request', 'upstream', 'apisix'].map((t) => latency.labels(t, ...l)),
        bw: ['ingress', 'egress'].map((t) => bandwidth.labels(t, ...l)),
      };
      cache.set(key, c);
    }
    const total = Date.now() - ctx.startTime;
    c.status.inc();
    c.latency[0]!.observe(total);
    c.latency[1]!.observe(ctx.upstreamLatencyMs ?? 0);
    c.latency[2]!.observe(total - (ctx.upstreamLatencyMs ?? 0));
    c.bw[0]!.inc(Number(ctx.var('request_length')));
    c.bw[1]!.inc(Number(ctx.var('bytes_sent')));
  };
}

let sink = 0;
const emptyHook = (ctx: PluginContext): void => {
  sink += ctx.response.status + (ctx.upstreamLatencyMs ?? 0) + (ctx.consumer ? 1 : 0);
};

/** The plugin's log hook over a conf prepared for this variant alone. */
function pluginHook(): (ctx: PluginContext) => void {
  const p = prepared();
  return (ctx) => plugin.log!(p, ctx);
}

const variants: Record<string, { hook: (ctx: PluginContext) => void; ctxs: PluginContext[] }> = {
  'empty hook': { hook: emptyHook, ctxs: contexts() },
  prometheus: { hook: pluginHook(), ctxs: contexts() },
  'prometheus, runtime context': { hook: pluginHook(), ctxs: runtimeContexts() },
  'prom-client children': { hook: promClientHook(), ctxs: contexts() },
};

function nsPerCall(name: string): number {
  const { hook, ctxs } = variants[name]!;
  for (let i = 0; i < 10_000; i++) hook(ctxs[i & 15]!); // warm-up
  const start = performance.now();
  for (let i = 0; i < calls; i++) hook(ctxs[i & 15]!);
  return ((performance.now() - start) * 1e6) / calls;
}

const results = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const name of Object.keys(variants)) results.get(name)!.push(nsPerCall(name));
}
const base = median(results.get('empty hook')!);
console.log(`prometheus log hook, ${calls} calls x ${rounds} rounds (median round)`);
console.log('| variant | ns/call | over empty hook |');
console.log('|---|---:|---:|');
for (const [name, ns] of results) {
  const m = median(ns);
  console.log(`| ${name} | ${m.toFixed(0)} | ${(m - base).toFixed(0)} |`);
}
if (sink === 0) throw new Error('unreachable: checksum');
