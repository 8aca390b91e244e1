/**
 * Helpers shared by the route-scale and churn benchmarks: a store preloaded with a mix of routes,
 * `gatehouse start` on it, an upstream, and wrk. Not a test; never asserts timings.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../src/core/logger.js';
import { EmbeddedStore } from '../src/store/embedded/embedded-store.js';
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

export interface BenchGateway {
  child: ChildProcess;
  http: number;
  admin: number;
  control: number;
  startMs: number;
  stop(): Promise<void>;
}

/** A prefix whose embedded store holds `count` mixed routes (written before the gateway starts). */
export async function preparePrefix(count: number, upstreamPort: number): Promise<string> {
  // GW_PREFIX_DIR: where the gateway prefix (and its SQLite store) goes, e.g. /dev/shm to take
  // the disk's fsync out of a measurement.
  const outDir = process.env['GW_PREFIX_DIR'] ?? fileURLToPath(new URL('./out/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  const prefix = mkdtempSync(join(outDir, 'gw-'));
  mkdirSync(join(prefix, 'data'));
  const store = EmbeddedStore.open({
    file: join(prefix, 'data', 'gatehouse.db'),
    logger: silentLogger(),
  });
  for (let i = 0; i < count; i++) {
    await store.put(
      `/apisix/routes/${i}`,
      JSON.stringify({ id: String(i), ...mixedRoute(i, upstreamPort) }),
    );
  }
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

/** `gatehouse start` on `prefix` with `workers` workers; resolves once /status/ready is 200. */
export async function startGateway(prefix: string, workers: number): Promise<BenchGateway> {
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
      '',
    ].join('\n'),
  );
  const t0 = Date.now();
  // GW_NODE_ARGS: node flags for the gateway's processes (e.g. `--cpu-prof --cpu-prof-dir=...`).
  const nodeArgs = (process.env['GW_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'start', '-c', config], {
    cwd: prefix,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'warn' },
  });
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
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Resident memory of each worker, MiB, from /proc. */
export async function workerRssMiB(gw: BenchGateway): Promise<number[]> {
  const res = await fetch(`http://127.0.0.1:${gw.control}/v1/gatehouse/workers`);
  const workers = (await res.json()) as { pid: number }[];
  return workers.map((w) => {
    const status = readFileSync(`/proc/${w.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return kb / 1024;
  });
}

export interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

/** wrk with latency percentiles; `-t1 -c32` by default. */
export function wrk(url: string, seconds: number, extra: string[] = []): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    // WRK_CPU: pin wrk to that core (taskset).
    const cpu = process.env['WRK_CPU'];
    const args = ['-t1', '-c32', `-d${seconds}s`, '--latency', ...extra, url];
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
