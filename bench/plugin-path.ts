/**
 * The plugin path of bench/plugin-cost.sh's `/all` route in one process, against the same
 * request without plugins (not a test; never asserts timings):
 *
 *   npx tsc -p . && node dist/bench/plugin-path.js [requests=400000] [rounds=7] [variant]
 *
 * One request is what the proxy does around the exchange: the request context, rewrite and
 * access (`key-auth`, `limit-count` local, `prometheus`), the upstream header array, then the
 * response head (header_filter) and the log phase. `none` builds the upstream header array only.
 * limit-count's quotas come from a QuotaHost on a Unix socket, as in a worker (leases, so takes
 * are synchronous); requests go in batches of 32 per event-loop turn (wrk's 32 connections).
 * Sockets, parsing and node:http are left out: the figure is what the plugins add in JS.
 */
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setImmediate as turn } from 'node:timers/promises';
import { silentLogger } from '../src/core/logger.js';
import { admit } from '../src/plugin/admission.js';
import type { ResolvedRoute } from '../src/snapshot/types.js';
import type { Consumer, ConsumerDirectory } from '../src/plugin/types.js';
import type { Peer } from '../src/proxy/client-address.js';
import { PluginPhases } from '../src/proxy/plugin-phases.js';
import { NO_BODY_RULES, PluginRequest } from '../src/proxy/plugin-request.js';
import { upstreamHeaders } from '../src/proxy/request-headers.js';
import { RequestFacts } from '../src/proxy/request-vars.js';
import type { RuntimeUpstream } from '../src/upstream/runtime.js';
import { pluginBenchEnv } from './plugin-bench-env.js';
import { median } from './stats.js';

const requests = Number(process.argv[2] ?? 400_000);
const rounds = Number(process.argv[3] ?? 7);
/** One variant alone (for instruction counts under valgrind: runs with two sizes, subtracted). */
const only = process.argv[4];
const BATCH = 32;
const logger = silentLogger();

const bench = await pluginBenchEnv('plugin-path', logger);
const { env, builder } = bench;
const chain = builder.build(
  Object.entries({
    'key-auth': {},
    'limit-count': { count: 1_000_000_000, time_window: 3600, rejected_code: 503 },
    prometheus: {},
  }).map(([name, conf]) => ({ name, conf, owner: { key: '/apisix/routes/all', version: 1 } })),
);

const consumer: Consumer = {
  username: 'bench',
  groupId: undefined,
  labels: undefined,
  plugins: { 'key-auth': { key: 'bench-key' } },
  key: '/apisix/consumers/bench',
  modRevision: 1,
};
const match = { consumer, conf: { key: 'bench-key' }, credentialId: undefined };
const consumers: ConsumerDirectory = {
  find: (plugin, value) => (plugin === 'key-auth' && value === 'bench-key' ? match : undefined),
  byName: () => undefined,
};
const route = {
  id: 'all',
  name: undefined,
  serviceId: undefined,
  matchedUri: '/all',
  matchedHost: undefined,
  chain,
} as unknown as ResolvedRoute<RuntimeUpstream>;
const global = builder.build([]);
const peer: Peer = {
  addr: '127.0.0.1',
  realIpTrusted: false,
  trusted: false,
  scheme: 'http',
  serverPort: '19480',
};
const merge = (c: typeof chain, who: Consumer): typeof chain =>
  builder.withConsumer(c, who, undefined);

/** What wrk sends: `GET /all` with Host and the apikey header. */
function request(): IncomingMessage {
  return {
    method: 'GET',
    url: '/all',
    httpVersion: '1.1',
    headers: { host: '127.0.0.1:19480', apikey: 'bench-key' },
    rawHeaders: ['Host', '127.0.0.1:19480', 'apikey', 'bench-key'],
    socket: {},
  } as unknown as IncomingMessage;
}
const reqs = Array.from({ length: BATCH }, request);

/** nginx's answer to `return 200 "ok\n"`, as the proxy hands it to writeHead. */
const responseHead = (): string[] => [
  'Content-Type',
  'application/octet-stream',
  'Content-Length',
  '3',
  'Server',
  'Gatehouse/0.0.0',
];

let sink = 0;

function none(req: IncomingMessage): void {
  const facts = new RequestFacts(req, '/all', '127.0.0.1:19480', '127.0.0.1', 'http');
  facts.route = route;
  const headers = upstreamHeaders(req, facts.remoteAddr, peer, false, undefined);
  sink += headers.length + responseHead().length;
}

function all(req: IncomingMessage): void {
  const facts = new RequestFacts(req, '/all', '127.0.0.1:19480', '127.0.0.1', 'http');
  facts.route = route;
  const pr = new PluginRequest(
    req,
    facts,
    route,
    { global, route: chain },
    env,
    consumers,
    NO_BODY_RULES,
  );
  const out = admit(pr.chains, pr, merge, logger);
  // A window's first takes wait for the primary's first lease (warm-up only).
  if (out instanceof Promise) void out.then(() => proxied(req, pr));
  else if (out === undefined) proxied(req, pr);
  else throw new Error(`unexpected: ${JSON.stringify(out)}`);
}

function proxied(req: IncomingMessage, pr: PluginRequest): void {
  const edits = pr.edits();
  const headers = upstreamHeaders(req, pr.clientIp, peer, false, edits.headers);
  const phases = new PluginPhases(pr, logger);
  phases.upstream('127.0.0.1:19485', 200, 0.2);
  const head = responseHead();
  sink += phases.head(200, head) + headers.length + head.length;
  phases.end(200, 3);
}

const variants: Record<string, (req: IncomingMessage) => void> =
  only === undefined ? { none, all } : { [only]: only === 'none' ? none : all };

async function nsPerRequest(run: (req: IncomingMessage) => void): Promise<number> {
  let busy = 0;
  for (let done = 0; done < requests; done += BATCH) {
    const start = performance.now();
    for (let i = 0; i < BATCH; i++) run(reqs[i]!);
    busy += performance.now() - start;
    await turn();
  }
  return (busy * 1e6) / requests;
}

for (const run of Object.values(variants)) await nsPerRequest(run); // warm-up
const results = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of Object.entries(variants))
    results.get(name)!.push(await nsPerRequest(run));
}
const base = only === undefined ? median(results.get('none')!) : 0;
console.log(`plugin path of /all, ${requests} requests x ${rounds} rounds (median round)`);
console.log('| variant | ns/request | over none |');
console.log('|---|---:|---:|');
for (const [name, ns] of results) {
  const m = median(ns);
  console.log(`| ${name} | ${m.toFixed(0)} | ${(m - base).toFixed(0)} |`);
}
bench.close();
if (sink === 0) throw new Error('unreachable: checksum');
