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
 * a CPU profile of the measured slices, to compare routes run one at a time). Instructions per
 * request, one route at a time: bench/plugin-instructions.sh (bench/plugin-counted.ts).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Client, startInProcessGateway } from './inprocess-gateway.js';
import { median } from './stats.js';

const pairs = Number(process.argv[2] ?? 20);
const sliceMs = Number(process.argv[3] ?? 500);
const conns = Number(process.env['CONNS'] ?? 32);
const variants = (process.env['ROUTES'] ?? 'none all key-auth limit-count prometheus').split(' ');

const gatewayPort = await startInProcessGateway();
const clients = Array.from({ length: conns }, () => new Client(gatewayPort));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
