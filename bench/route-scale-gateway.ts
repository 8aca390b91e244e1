/**
 * Helpers shared by the route-scale and churn benchmarks: a store preloaded with a mix of routes,
 * `gatehouse start` on it, an upstream, and wrk. Not a test; never asserts timings.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../src/core/logger.js';
import { EmbeddedStore } from '../src/store/embedded/embedded-store.js';
import type { ConfigStore } from '../src/store/types.js';
import { freePort } from '../test/support/free-port.js';

const BIN = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));
export const KEY = 'bench'.repeat(7);

/** Route i of the mix: exact, prefix, parameter and host routes in turn. */
export function mixedRoute(i: number, upstreamPort: number): Record<string, unknown> {
  const upstream = { type: 'roundrobin', nodes: { [`127.0.0.1:${upstreamPort}`]: 1 } };
  switch (i % 4) {
    case 0:
      return { uri: `/exact/${i}`, upstream };
    case 1:
      return { uri: `/prefix/${i}/*`, upstream };
    case 2:
      return { uri: `/param/${i}/:id`, upstream };
    default:
      return { uri: '/host/*', host: `h${i}.example.com`, upstream };
  }
}

export async function startUpstream(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/**
 * nginx as the upstream, as ../shared/bench/run.sh does it: one process (no master), one worker
 * connection pool, `return 200 "ok"`, keep-alive unlimited; pinned to `cpu` when given. Much
 * cheaper per request than a Node upstream, so that on two cores the load side (wrk, upstream,
 * Admin client) is not what limits the gateway.
 */
export async function startNginxUpstream(
  cpu?: string,
): Promise<{ port: number; pid: number; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-nginx-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'worker_processes 1;',
      'master_process off;',
      'daemon off;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 4096; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (t) => `  ${t}_temp_path ${dir}/${t};`,
      ),
      '  keepalive_requests 100000000;',
      '  keepalive_timeout 60s;',
      `  server { listen 127.0.0.1:${port}; location / { default_type text/plain; return 200 "ok"; } }`,
      '}',
      '',
    ].join('\n'),
  );
  const args = ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')];
  const child =
    cpu === undefined
      ? spawn('nginx', args, { stdio: 'inherit' })
      : spawn('taskset', ['-c', cpu, 'nginx', ...args], { stdio: 'inherit' });
  for (let i = 0; (await get(port, '/')) !== 200; i++) {
    if (child.exitCode !== null || i > 200) throw new Error(`nginx did not start (see ${dir})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    port,
    pid: child.pid!,
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface BenchGateway {
  child: ChildProcess;
  http: number;
  admin: number;
  control: number;
  startMs: number;
  /** With `traceGc`: the workers' collections so far (from `--trace-gc` on their stdout). */
  gc: GcTotals | undefined;
  stop(): Promise<void>;
}

/** Main-thread GC time and counts, summed over `--trace-gc` lines. */
export interface GcTotals {
  /** Pauses plus incremental marking steps, ms. */
  ms: number;
  scavenges: number;
  /** Mark-compact (full) collections. */
  majors: number;
}

// `[pid:0x...]  1234 ms: Scavenge 30.5 (48.2) -> 29.9 (48.7) MB, 1.23 / 0.00 ms  (+ 5.0 ms in
// 12 steps since start of marking, ...)`: the pause, and for a mark-compact the incremental
// marking steps that preceded it on the main thread.
const GC_LINE =
  /^\[\d+:0x[0-9a-f]+\]\s+\d+ ms: ([A-Za-z -]+?)(?: \(reduce\))? [\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB, ([\d.]+) \/ [\d.]+ ms(?:\s+\(\+ ([\d.]+) ms in)?/;

function countGc(line: string, gc: GcTotals): void {
  const m = GC_LINE.exec(line);
  if (!m) return;
  gc.ms += Number(m[2]) + Number(m[3] ?? 0);
  if (m[1] === 'Scavenge' || m[1] === 'Minor Mark-Compact') gc.scavenges++;
  else gc.majors++;
}

/** CPU ms of one process (all threads) from /proc (USER_HZ = 100). */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** Puts route 0..count-1 of the mix into `store`, up to 256 writes in flight. */
export async function seedRoutes(
  store: ConfigStore,
  count: number,
  upstreamPort: number,
): Promise<void> {
  for (let from = 0; from < count; from += 256) {
    const puts: Promise<unknown>[] = [];
    for (let i = from; i < Math.min(count, from + 256); i++) {
      puts.push(
        store.put(
          `/apisix/routes/${i}`,
          JSON.stringify({ id: String(i), ...mixedRoute(i, upstreamPort) }),
        ),
      );
    }
    await Promise.all(puts);
  }
}

/** A new, empty gateway prefix directory. */
export function newPrefix(): string {
  // GW_PREFIX_DIR: where the gateway prefix (and its SQLite store) goes, e.g. /dev/shm to take
  // the disk's fsync out of a measurement.
  const outDir = process.env['GW_PREFIX_DIR'] ?? fileURLToPath(new URL('./out/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  const prefix = mkdtempSync(join(outDir, 'gw-'));
  mkdirSync(join(prefix, 'data'));
  return prefix;
}

/** A prefix whose embedded store holds `count` mixed routes (written before the gateway starts). */
export async function preparePrefix(count: number, upstreamPort: number): Promise<string> {
  const prefix = newPrefix();
  const store = EmbeddedStore.open({
    file: join(prefix, 'data', 'gatehouse.db'),
    logger: silentLogger(),
  });
  await seedRoutes(store, count, upstreamPort);
  await store.close();
  return prefix;
}

async function get(port: number, path: string): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}${path}`)).status;
  } catch {
    return 0;
  }
}

export interface StartOptions {
  /** Extra Node flags for the workers only (GATEHOUSE_WORKER_NODE_OPTIONS). */
  workerNodeOptions?: string;
  /** Run the workers with `--trace-gc` and count their collections (`BenchGateway.gc`). */
  traceGc?: boolean;
  /** Lines under `deployment:` besides the Admin API's (e.g. the role and etcd). */
  deployment?: string[];
}

/** `gatehouse start` on `prefix` with `workers` workers; resolves once /status/ready is 200. */
export async function startGateway(
  prefix: string,
  workers: number,
  opts: StartOptions = {},
): Promise<BenchGateway> {
  const [http, admin, control, status] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  mkdirSync(join(prefix, 'conf'), { recursive: true });
  const config = join(prefix, 'conf', 'config.yaml');
  writeFileSync(
    config,
    [
      'apisix:',
      `  node_listen: [{ ip: 127.0.0.1, port: ${http} }]`,
      `  control: { ip: 127.0.0.1, port: ${control} }`,
      `  status: { ip: 127.0.0.1, port: ${status} }`,
      '  ssl: { enable: false }',
      `nginx_config: { worker_processes: ${workers} }`,
      'plugin_attr: { prometheus: { enable_export_server: false } }',
      'deployment:',
      '  admin:',
      `    admin_listen: { ip: 127.0.0.1, port: ${admin} }`,
      `    admin_key: [{ name: admin, key: ${KEY}, role: admin }]`,
      ...(opts.deployment ?? []).map((line) => `  ${line}`),
      '',
    ].join('\n'),
  );
  const t0 = Date.now();
  // GW_NODE_ARGS: node flags for the gateway's processes (e.g. `--cpu-prof --cpu-prof-dir=...`).
  const nodeArgs = (process.env['GW_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const workerNodeOptions = [
    process.env['GATEHOUSE_WORKER_NODE_OPTIONS'] ?? '',
    opts.workerNodeOptions ?? '',
    opts.traceGc === true ? '--trace-gc' : '',
  ].join(' ');
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'start', '-c', config], {
    cwd: prefix,
    stdio: ['ignore', opts.traceGc === true ? 'pipe' : 'ignore', 'inherit'],
    env: {
      ...process.env,
      GATEHOUSE_LOG_LEVEL: 'warn',
      GATEHOUSE_WORKER_NODE_OPTIONS: workerNodeOptions.trim(),
    },
  });
  let gc: GcTotals | undefined;
  if (child.stdout !== null) {
    const totals: GcTotals = (gc = { ms: 0, scavenges: 0, majors: 0 });
    createInterface({ input: child.stdout }).on('line', (line) => countGc(line, totals));
  }
  while ((await get(status, '/status/ready')) !== 200) {
    if (child.exitCode !== null) throw new Error('gatehouse exited');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const startMs = Date.now() - t0;
  return {
    child,
    http,
    admin,
    control,
    startMs,
    gc,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The pids of the gateway's workers (Control API). */
export async function workerPids(gw: BenchGateway): Promise<number[]> {
  const res = await fetch(`http://127.0.0.1:${gw.control}/v1/gatehouse/workers`);
  return ((await res.json()) as { pid: number }[]).map((w) => w.pid);
}

/** Resident memory of each worker, MiB, from /proc. */
export async function workerRssMiB(gw: BenchGateway): Promise<number[]> {
  return (await workerPids(gw)).map((pid) => {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return kb / 1024;
  });
}

/** Pins every thread of process `pid` to CPU `cpu` (taskset). */
export function pinProcess(cpu: number, pid: number): void {
  execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });
}

export interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

/** wrk with latency percentiles; `-t1 -c32` by default (CONNS: another -c). */
export function wrk(url: string, seconds: number, extra: string[] = []): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    // WRK_CPU: pin wrk to that core (taskset).
    const cpu = process.env['WRK_CPU'];
    const args = [
      '-t1',
      `-c${process.env['CONNS'] ?? 32}`,
      `-d${seconds}s`,
      '--latency',
      ...extra,
      url,
    ];
    const [cmd, argv] =
      cpu === undefined ? ['wrk', args] : ['taskset', ['-c', cpu, 'wrk', ...args]];
    execFile(cmd, argv, (err, stdout) => {
      if (err) return reject(new Error(`wrk failed: ${err.message}`));
      const ms = (label: string): number => {
        const m = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(stdout);
        if (!m) return NaN;
        const v = Number(m[1]);
        return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
      };
      const errs = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
      const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
        stdout,
      );
      resolve({
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN),
        p50ms: ms('50'),
        p99ms: ms('99'),
        errors:
          Number(errs?.[1] ?? 0) + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
      });
    });
  });
}
