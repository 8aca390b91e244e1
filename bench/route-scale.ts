/**
 * Route scale: start-up time, worker memory and proxy throughput with 1, 10k and 100k routes
 * (a mix of exact, prefix, parameter and host routes, written to the store before start), one
 * worker each, wrk on one exact route. All sizes are started first (one after the other, so each
 * start-up is timed alone) and stay up; then `rounds` rounds measure each size in turn, so the
 * 1-route baseline and the large sizes see the same machine (medians, and per-round ratios).
 * The worker's CPU per request (from /proc) is shown beside req/s: it moves less with the other
 * load on the machine than req/s does.
 *
 *   npx tsc -p . && node dist/bench/route-scale.js [sizes=1,10000,100000] [seconds=10] [rounds=3]
 *
 * GW_TRACE_GC=1: the workers run with --trace-gc; adds their main-thread GC time during the load
 * (pauses plus incremental marking steps, as a share of the worker's CPU) and the full
 * collections per run. GW_VARIANTS='a;b': starts every size once per variant, a variant being
 * extra worker Node flags (GATEHOUSE_WORKER_NODE_OPTIONS, e.g. `--max-semi-space-size=64`; an
 * empty variant is the default), all measured in the same interleaved rounds; ratios are to the
 * first size of the same variant.
 */
import { cpSync, rmSync } from 'node:fs';
import {
  preparePrefix,
  procCpuMs,
  startGateway,
  startUpstream,
  workerPids,
  workerRssMiB,
  wrk,
  type BenchGateway,
  type WrkResult,
} from './route-scale-gateway.js';
import { median } from './stats.js';

const sizes = (process.argv[2] ?? '1,10000,100000').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 10);
const rounds = Number(process.argv[4] ?? 3);
const traceGc = process.env['GW_TRACE_GC'] === '1';
const variants = (process.env['GW_VARIANTS'] ?? '').split(';').map((v) => v.trim());

interface Run extends WrkResult {
  /** Worker CPU per request, µs. */
  cpuUs: number;
  /** Worker main-thread GC time as a share of its CPU, %. */
  gcPct: number;
  majors: number;
}

interface Started {
  size: number;
  variant: string;
  prefix: string;
  gw: BenchGateway;
  pid: number;
  rss: number;
  runs: Run[];
}

async function measure(s: Started): Promise<Run> {
  const cpu0 = procCpuMs(s.pid);
  const gc0 = { ...(s.gw.gc ?? { ms: 0, scavenges: 0, majors: 0 }) };
  const r = await wrk(`http://127.0.0.1:${s.gw.http}/exact/0`, seconds);
  // The last --trace-gc lines of the run reach the pipe a moment later.
  if (traceGc) await new Promise((resolve) => setTimeout(resolve, 100));
  const cpu = procCpuMs(s.pid) - cpu0;
  const gc = s.gw.gc;
  return {
    ...r,
    cpuUs: (cpu * 1000) / Math.max(1, r.rps * seconds),
    gcPct: gc === undefined ? NaN : (100 * (gc.ms - gc0.ms)) / Math.max(1, cpu),
    majors: gc === undefined ? NaN : gc.majors - gc0.majors,
  };
}

const upstream = await startUpstream();
const started: Started[] = [];
const prefixes: string[] = [];
try {
  for (const size of sizes) {
    const prepared = await preparePrefix(size, upstream.port);
    prefixes.push(prepared);
    // Each gateway has its own prefix (store, pid file), copied before any starts.
    const copies = variants.map((_, i) => (i === 0 ? prepared : `${prepared}-${i}`));
    for (const copy of copies.slice(1)) cpSync(prepared, copy, { recursive: true });
    for (const [i, variant] of variants.entries()) {
      const prefix = copies[i]!;
      const gw = await startGateway(prefix, 1, { workerNodeOptions: variant, traceGc });
      const pid = (await workerPids(gw))[0] ?? NaN;
      const rss = (await workerRssMiB(gw))[0] ?? NaN;
      started.push({ size, variant, prefix, gw, pid, rss, runs: [] });
    }
  }
  // Route 0 is `/exact/0`, present at every size.
  for (const s of started) await wrk(`http://127.0.0.1:${s.gw.http}/exact/0`, 3);
  for (let r = 0; r < rounds; r++) for (const s of started) s.runs.push(await measure(s));
  console.log(
    `\none worker per size, wrk -t1 -c32 ${seconds}s on /exact/0, ${rounds} interleaved rounds (medians)`,
  );
  for (const variant of variants) {
    const rows = started.filter((s) => s.variant === variant);
    const base = rows[0]!.runs;
    console.log(`\nworker flags: ${variant === '' ? '(default)' : variant}\n`);
    console.log(
      '| routes | start ms (to /status/ready) | worker RSS MiB |  req/s | vs 1 route (per-round ratios) | worker µs/req | GC % of worker CPU | full GCs/run | p99 ms | errors |',
    );
    console.log(
      '| -----: | --------------------------: | -------------: | -----: | ----------------------------: | ------------: | -----------------: | -----------: | -----: | -----: |',
    );
    for (const s of rows) {
      const rs = s.runs;
      const ratios = rs.map((x, i) => (100 * x.rps) / base[i]!.rps);
      const med = (f: (x: Run) => number, digits: number): string =>
        median(rs.map(f)).toFixed(digits);
      const cells = [
        String(s.size),
        String(s.gw.startMs),
        s.rss.toFixed(0),
        med((x) => x.rps, 0),
        `${median(ratios).toFixed(0)}% (${ratios.map((x) => x.toFixed(0)).join(', ')})`,
        med((x) => x.cpuUs, 1),
        traceGc ? med((x) => x.gcPct, 1) : '-',
        traceGc ? med((x) => x.majors, 0) : '-',
        med((x) => x.p99ms, 2),
        String(rs.reduce((a, x) => a + x.errors, 0)),
      ];
      console.log(`| ${cells.join(' | ')} |`);
    }
  }
} finally {
  for (const s of started) {
    await s.gw.stop();
    rmSync(s.prefix, { recursive: true, force: true });
  }
  for (const p of prefixes) rmSync(p, { recursive: true, force: true });
  upstream.server.close();
}
