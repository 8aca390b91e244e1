/**
 * bench/plugin-cost.sh's routes in one process and one thread (not a test; never asserts
 * timings): the proxy handler behind a real node:http server, an upstream answering `ok`, and a
 * raw keep-alive client with `CONNS` connections, all on loopback. Nothing ever sleeps on
 * another process, so what a route costs here is the code's own cost (JavaScript, node:http and
 * the socket syscalls), without the closed loop's wake-ups between processes. Routes alternate
 * in short slices; each slice's CPU time (process.cpuUsage) over the responses it completed
 * gives µs per request, and each route is compared with `/none` slice by slice.
 *
 *   npx tsc -p . && taskset -c 0 node dist/bench/plugin-inprocess.js [pairs=20] [sliceMs=500]
 *
 * Env: ROUTES (default "none all key-auth limit-count prometheus"), CONNS (32), PROFILE (a file:
 * a CPU profile of the measured slices, to compare routes run one at a time).
 *
 * ONLY=<route> COUNT=<warm-up>,<measured> runs one route for fixed request counts instead, for
 * instruction counts (bench/plugin-callgrind.sh): after the warm-up it prints `warm` and waits
 * for SIGUSR2 (the driver zeroes callgrind's counters), then serves the measured requests,
 * prints `measured <n>` and waits for SIGUSR2 again (the driver dumps) before it exits.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { silentLogger } from '../src/core/logger.js';
import { createProxyHandler } from '../src/proxy/handler.js';
import { DataPlaneState } from '../src/snapshot/state.js';
import { DnsCache } from '../src/upstream/resolve.js';
import { runtimeUpstreamFactory } from '../src/upstream/runtime.js';
import { pluginBenchEnv } from './plugin-bench-env.js';
import { median } from './stats.js';

const pairs = Number(process.argv[2] ?? 20);
const sliceMs = Number(process.argv[3] ?? 500);
const conns = Number(process.env['CONNS'] ?? 32);
const variants = (process.env['ROUTES'] ?? 'none all key-auth limit-count prometheus').split(' ');
const logger = silentLogger();

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const upstreamPort = await listen(
  createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '3' });
    res.end('ok\n');
  }),
);

const { env, registry, builder } = await pluginBenchEnv('plugin-inprocess', logger);
const state = new DataPlaneState({
  prefix: '/apisix',
  routerKind: 'radixtree_host_uri',
  plugins: () => registry,
  chains: () => builder,
  logger,
  upstreams: runtimeUpstreamFactory({ dns: new DnsCache(), logger }),
});
const KA = { 'key-auth': {} };
const LC = { 'limit-count': { count: 1_000_000_000, time_window: 3600, rejected_code: 503 } };
const PR = { prometheus: {} };
const pluginsOf: Record<string, Record<string, unknown>> = {
  none: {},
  all: { ...KA, ...LC, ...PR },
  'key-auth': KA,
  'limit-count': LC,
  prometheus: PR,
};
const upstream = { type: 'roundrobin', nodes: { [`127.0.0.1:${upstreamPort}`]: 1 } };
const items = [
  {
    key: '/apisix/consumers/bench',
    value: { username: 'bench', plugins: { 'key-auth': { key: 'bench-key' } } },
  },
  ...Object.entries(pluginsOf).map(([name, plugins]) => ({
    key: `/apisix/routes/${name}`,
    value: { uri: `/${name}`, plugins, upstream },
  })),
].map((item, i) => ({
  key: item.key,
  value: JSON.stringify(item.value),
  createRevision: i + 2,
  modRevision: i + 2,
  lease: 0,
}));
state.reset(items, items.length + 1);
const proxy = createProxyHandler(state, { version: '0.0.0', logger, pluginEnv: env });
const gatewayPort = await listen(createServer({ keepAliveTimeout: 60_000 }, proxy.onRequest));

/** A keep-alive connection that sends the next request as soon as a response completed. */
class Client {
  readonly #socket: Socket;
  #request: Buffer = Buffer.alloc(0);
  #pending = '';
  done = 0;
  constructor() {
    this.#socket = connect(gatewayPort, '127.0.0.1');
    this.#socket.setEncoding('latin1');
    this.#socket.on('data', (chunk: string) => {
      this.#pending += chunk;
      // Every response ends with the upstream's body, "ok\n".
      let at: number;
      while ((at = this.#pending.indexOf('\r\n\r\nok\n')) !== -1) {
        this.#pending = this.#pending.slice(at + 7);
        this.done++;
        this.#socket.write(this.#request);
      }
    });
  }
  start(route: string): void {
    this.#request = Buffer.from(
      `GET /${route} HTTP/1.1\r\nHost: 127.0.0.1:${gatewayPort}\r\napikey: bench-key\r\n\r\n`,
    );
    this.#socket.write(this.#request);
  }
  /** Stops after the response in flight (the next write goes out with an empty buffer). */
  stop(): void {
    this.#request = Buffer.alloc(0);
  }
}

const clients = Array.from({ length: conns }, () => new Client());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const served = (): number => clients.reduce((n, c) => n + c.done, 0);

/** Runs `route` until `n` more requests completed, then lets the ones in flight finish. */
async function serve(route: string, n: number): Promise<void> {
  const until = served() + n;
  for (const c of clients) c.start(route);
  while (served() < until) await sleep(5);
  for (const c of clients) c.stop();
  await sleep(50);
}

const usr2 = (): Promise<void> => new Promise((resolve) => process.once('SIGUSR2', resolve));
const only = process.env['ONLY'];
if (only !== undefined) {
  const [warm, measured] = (process.env['COUNT'] ?? '4000,2000').split(',').map(Number);
  await serve(only, warm!);
  console.log('warm');
  await usr2();
  const before = served();
  await serve(only, measured!);
  console.log(`measured ${served() - before}`);
  await usr2();
  process.exit(0);
}

/** One slice on `route`: µs of process CPU per completed request. */
async function slice(route: string): Promise<number> {
  const before = clients.reduce((n, c) => n + c.done, 0);
  const cpu = process.cpuUsage();
  for (const c of clients) c.start(route);
  await sleep(sliceMs);
  for (const c of clients) c.stop();
  await sleep(20); // the responses in flight complete
  const used = process.cpuUsage(cpu);
  const n = clients.reduce((sum, c) => sum + c.done, 0) - before;
  return (used.user + used.system) / n;
}

for (const v of variants) await slice(v); // warm-up
// PROFILE=file.cpuprofile: a CPU profile of the measured slices only (after the warm-up).
const profileFile = process.env['PROFILE'];
const inspector = profileFile === undefined ? undefined : new Session();
if (inspector !== undefined) {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: 100 });
  await inspector.post('Profiler.start');
}
const counted = clients.reduce((n, c) => n + c.done, 0);
const rows = new Map<string, number[]>(variants.map((v) => [v, []]));
const ratios = new Map<string, number[]>(variants.map((v) => [v, []]));
for (let p = 0; p < pairs; p++) {
  const order = variants.map((_, i) => variants[(i + p) % variants.length]!);
  const got = new Map<string, number>();
  for (const v of order) got.set(v, await slice(v));
  for (const v of variants) {
    rows.get(v)!.push(got.get(v)!);
    ratios.get(v)!.push(got.get('none')! / got.get(v)!);
  }
}
console.log(
  `| route | µs CPU/request (median of ${pairs}) | capacity vs /none (median of per-round ratios) |`,
);
console.log('| --- | ---: | ---: |');
for (const v of variants) {
  console.log(
    `| /${v} | ${median(rows.get(v)!).toFixed(2)} | ${(median(ratios.get(v)!) * 100).toFixed(1)} % |`,
  );
}
if (inspector !== undefined) {
  const { profile } = await inspector.post('Profiler.stop');
  writeFileSync(profileFile!, JSON.stringify(profile));
  console.log(`profiled requests: ${clients.reduce((n, c) => n + c.done, 0) - counted}`);
}
process.exit(0);
