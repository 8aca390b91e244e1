/**
 * The CPU a route write costs each gateway process, without the load test around it: the churn
 * benchmark's gateway (N routes of the mix, one worker, its store on disk) receives W route PUTs
 * through the Admin API at R per second, the same bodies as bench/churn.ts, and this prints the
 * primary's and the worker's CPU per write (from /proc), against an idle phase of the same
 * length in the same run (the baseline: what both cost while nothing is written).
 *
 * Steadier than the churn benchmark's throughput ratio on a shared machine: use it to iterate on
 * the write path, then confirm with bench/churn.ts. `GW_NODE_ARGS=--cpu-prof` (primary) and
 * `GATEHOUSE_WORKER_NODE_OPTIONS=--cpu-prof` (worker) profile the same run.
 *
 *   npx tsc -p . && node dist/bench/churn-cost.js [routes=10000] [writes=1000] [perSecond=50] [rounds=2]
 */
import { readFileSync, rmSync } from 'node:fs';
import {
  KEY,
  mixedRoute,
  preparePrefix,
  startGateway,
  startUpstream,
  workerPids,
} from './route-scale-gateway.js';
import { threadCpuMs } from './proc-cpu.js';

const routes = Number(process.argv[2] ?? 10_000);
const writes = Number(process.argv[3] ?? 1000);
const perSecond = Number(process.argv[4] ?? 50);
const rounds = Number(process.argv[5] ?? 2);

const upstream = await startUpstream();
const prefix = await preparePrefix(routes, upstream.port);
// GW_TRACE_GC=1: the worker runs with --trace-gc, and its GC time per phase is printed.
const gw = await startGateway(prefix, 1, { traceGc: process.env['GW_TRACE_GC'] === '1' });
const workerPid = (await workerPids(gw))[0]!;
const primaryPid = gw.child.pid!;
let seq = 0;
console.log(`primary pid ${primaryPid}, worker pid ${workerPid}`);

interface Usage {
  /** CPU ms of all threads (schedstat: the scheduler's clock, finer than /proc/<pid>/stat). */
  cpuMs: number;
  /** CPU ms of the main thread alone (the JavaScript; the rest is GC helpers, compilers, libuv). */
  mainMs: number;
  /** Voluntary context switches of the main thread: how often it went to sleep and woke up. */
  wakeups: number;
}

function usage(pid: number): Usage {
  const cpu = threadCpuMs(pid);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const wakeups = Number(/\nvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { cpuMs: cpu.all, mainMs: cpu.main, wakeups };
}

function since(pid: number, before: Usage): Usage {
  const now = usage(pid);
  return {
    cpuMs: now.cpuMs - before.cpuMs,
    mainMs: now.mainMs - before.mainMs,
    wakeups: now.wakeups - before.wakeups,
  };
}

async function write(): Promise<number> {
  const i = 1 + ((seq * 7919) % (routes - 1));
  seq++;
  const res = await fetch(`http://127.0.0.1:${gw.admin}/apisix/admin/routes/${i}`, {
    method: 'PUT',
    headers: { 'X-API-KEY': KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...mixedRoute(i, upstream.port), desc: `w${seq}` }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** What the primary and the worker used over `ms`, writing `count` routes meanwhile (or not). */
async function phase(
  count: number,
  ms: number,
): Promise<{ primary: Usage; worker: Usage; gc: string }> {
  const gc0 = { ...gw.gc };
  const p0 = usage(primaryPid);
  const w0 = usage(workerPid);
  const t0 = performance.now();
  const pending: Promise<number>[] = [];
  for (let n = 0; n < count; n++) {
    const due = t0 + (n * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(write());
  }
  const failed = (await Promise.all(pending)).filter((s) => s >= 300).length;
  if (failed > 0) throw new Error(`${failed} writes failed`);
  const rest = t0 + ms - performance.now();
  if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
  const gc =
    gw.gc === undefined
      ? ''
      : ` worker GC ${(gw.gc.ms - (gc0.ms ?? 0)).toFixed(0)} ms, ${gw.gc.scavenges - (gc0.scavenges ?? 0)} scavenges, ${gw.gc.majors - (gc0.majors ?? 0)} full;`;
  return { primary: since(primaryPid, p0), worker: since(workerPid, w0), gc };
}

try {
  for (let w = 0; w < 50; w++) await write(); // warm-up: JIT in all three processes
  const ms = (writes * 1000) / perSecond + 500;
  console.log(`\n${routes} routes, one worker, ${writes} route PUTs at ${perSecond}/s per round\n`);
  console.log(
    '| round | primary µs/write (main thread) | worker µs/write (main thread) | primary wake-ups/write | worker wake-ups/write | idle phase: primary ms, worker ms |',
  );
  console.log(
    '| ----: | ----------------------------: | ---------------------------: | ---------------------: | --------------------: | --------------------------------: |',
  );
  for (let r = 1; r <= rounds; r++) {
    const idle = await phase(0, ms);
    const busy = await phase(writes, ms);
    const us = (b: Usage, i: Usage) =>
      `${((1000 * (b.cpuMs - i.cpuMs)) / writes).toFixed(0)} (${((1000 * (b.mainMs - i.mainMs)) / writes).toFixed(0)})`;
    const wake = (b: Usage, i: Usage) => ((b.wakeups - i.wakeups) / writes).toFixed(2);
    if (busy.gc !== '') console.log(`idle:${idle.gc} writes:${busy.gc}`);
    console.log(
      `| ${r} | ${us(busy.primary, idle.primary)} | ${us(busy.worker, idle.worker)} | ${wake(busy.primary, idle.primary)} | ${wake(busy.worker, idle.worker)} | ${idle.primary.cpuMs.toFixed(0)}, ${idle.worker.cpuMs.toFixed(0)} |`,
    );
  }
} finally {
  await gw.stop();
  upstream.server.close();
  rmSync(prefix, { recursive: true, force: true });
}
