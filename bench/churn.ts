/**
 * Churn: with N routes loaded (10k by default), wrk on one route for `seconds`, once without
 * writes (the baseline, same run) and once while 50 route writes per second go through the Admin
 * API (each to a different route of the mix). One worker.
 *
 * Besides req/s and latency it accounts for CPU in each phase (from /proc): the worker, the
 * primary (Admin API, store, feed, IPC), this process (the upstream), the Admin API client (a
 * process of its own, bench/churn-writer.ts), and the whole machine, so that a drop can be told apart between "the worker applies too
 * slowly" (its CPU per request rises) and "the worker gets less CPU" (two cores shared by wrk,
 * the upstream, the primary and the worker).
 *
 * Placement (PIN), as the issue's harness asks, "one core for the proxy, wrk and the upstream on
 * the other":
 * - PIN=gateway (default): the whole gateway (primary and worker) on CPU 0; wrk, the upstream,
 *   the Admin API client and this process on CPU 1.
 * - PIN=worker: the worker alone on CPU 0, the primary with the load side on CPU 1.
 * - PIN=0: nothing pinned.
 * STORE=embedded (default: a traditional gateway, Admin API and SQLite store in its primary) or
 * STORE=etcd: a control_plane gateway takes the writes into etcd, and the gateway measured is a
 * data_plane one that watches it; the write path is pinned with the load side at nice 19
 * (NICE_WRITES=0: not niced), standing in for the other machines it runs on in that deployment.
 * WARM_WRITES (default 1000): route writes sent one after another before the first round, so
 * that the rounds measure the write path's steady state, not V8 compiling it: with 20, the
 * first ~1000 writes under load cost the worker 13-20 % more CPU per request than later ones
 * (its compiler threads share its core), and the primary ~2x its later CPU per write.
 * UPSTREAM=nginx (default; `return 200`, as ../shared/bench/run.sh) or UPSTREAM=node (a node:http
 * server in this process, which costs ~5x more CPU per request than nginx and then, on two cores,
 * is what limits the loop).
 *
 * Each round is a phase without writes then one with; a closing baseline follows the last round,
 * and each round's ratio is also taken against the mean of the two baselines around it, whose
 * median is the summary line. Short phases and many rounds (`10000 3 50 10`) track this VM's
 * drifting per-core speed better than a few long ones.
 *
 *   npx tsc -p . && node dist/bench/churn.js [routes=10000] [seconds=10] [writesPerSecond=50] [rounds=1]
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EtcdStore } from '../src/store/etcd/etcd-store.js';
import { contextSwitches } from './proc-cpu.js';
import { medianOfMiddle } from './stats.js';
import { startEtcd, stopAllEtcd } from '../test/support/etcd.js';
import {
  pinProcess,
  preparePrefix,
  newPrefix,
  seedRoutes,
  startGateway,
  startNginxUpstream,
  startUpstream,
  wrk,
  type WrkResult,
} from './route-scale-gateway.js';

const routes = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 10);
const perSecond = Number(process.argv[4] ?? 50);
const rounds = Number(process.argv[5] ?? 1);
const warmWrites = Number(process.env['WARM_WRITES'] ?? 1000);
const TICK_MS = 10; // USER_HZ = 100 on Linux
const pinMode = process.env['PIN'] ?? 'gateway';
const upstreamKind = process.env['UPSTREAM'] ?? 'nginx';
const storeKind = process.env['STORE'] ?? 'embedded';
if (!['embedded', 'etcd'].includes(storeKind)) throw new Error(`STORE=${storeKind}?`);
if (!['gateway', 'worker', '1', '0'].includes(pinMode)) throw new Error(`PIN=${pinMode}?`);
if (!['nginx', 'node'].includes(upstreamKind)) throw new Error(`UPSTREAM=${upstreamKind}?`);
const loadCpu = pinMode === '0' ? undefined : '1';

/** CPU ms of one process (all threads) from /proc. */
function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

/** Busy and total CPU ms of the machine from /proc/stat. */
function machineMs(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
}

/** The pid of the process with a TCP socket listening on 127.0.0.1:`port` (from /proc). */
function pidListeningOn(port: number): number {
  const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  const pid = /pid=(\d+)/.exec(out)?.[1];
  if (pid === undefined) throw new Error(`no process listens on port ${port}`);
  return Number(pid);
}

interface Sample {
  worker: number;
  /** The worker's voluntary context switches: each is an idle wait ended by a wake-up. */
  workerWakeups: number;
  /** The worker's involuntary ones (all threads): preempted while runnable. */
  workerPreempted: number;
  primary: number;
  /** The primary's voluntary context switches (all threads): each later needs a wake-up. */
  primaryWakeups: number;
  self: number;
  upstream: number;
  client: number;
  busy: number;
  total: number;
}

function sample(workerPid: number, primaryPid: number): Sample {
  const u = process.cpuUsage();
  const m = machineMs();
  return {
    worker: procCpuMs(workerPid),
    workerWakeups: Number(
      /\nvoluntary_ctxt_switches:\s+(\d+)/.exec(
        readFileSync(`/proc/${workerPid}/status`, 'utf8'),
      )?.[1],
    ),
    workerPreempted: contextSwitches(workerPid).involuntary,
    primary: procCpuMs(primaryPid),
    primaryWakeups: contextSwitches(primaryPid).voluntary,
    self: (u.user + u.system) / 1000,
    upstream: upstream.pid === undefined ? 0 : procCpuMs(upstream.pid),
    client: [writer.pid!, ...writePathPids].reduce((ms, pid) => ms + procCpuMs(pid), 0),
    busy: m.busy,
    total: m.total,
  };
}

interface Phase extends WrkResult {
  cpu: Sample;
  writes: number;
  failed: number;
  writeMs: number[];
  /** With GW_TRACE_GC=1: the worker's GC over the phase (pauses + marking steps, full GCs). */
  gc?: { ms: number; majors: number };
}

const upstream: { port: number; pid?: number; stop(): void } =
  upstreamKind === 'nginx'
    ? await startNginxUpstream(loadCpu)
    : await (async () => {
        const u = await startUpstream();
        return { port: u.port, stop: () => u.server.close() };
      })();
// STORE=etcd: the decoupled deployment (spec §8.1). The Admin API is a control_plane gateway,
// and it and etcd are pinned with the load side: the write path runs elsewhere, and what the
// measured data_plane gateway pays for a write is its watch event, the delta and the apply.
const etcdMode = storeKind === 'etcd';
const etcd = etcdMode ? await startEtcd({ baseDir: newPrefix() }) : undefined;
const etcdLines =
  etcd === undefined ? [] : [`etcd: { host: ["${etcd.endpoint}"], prefix: /apisix }`];
let prefix: string;
if (etcd === undefined) {
  prefix = await preparePrefix(routes, upstream.port);
} else {
  prefix = newPrefix();
  const store = await EtcdStore.open({ hosts: [etcd.endpoint], timeoutSeconds: 10 });
  await seedRoutes(store, routes, upstream.port);
  await store.close();
}
const controlPlane = etcdMode
  ? await startGateway(newPrefix(), 1, {
      deployment: [
        'role: control_plane',
        'role_control_plane: { config_provider: etcd }',
        ...etcdLines,
      ],
    })
  : undefined;
// GW_TRACE_GC=1: the worker runs with --trace-gc; each phase reports its GC time.
const gw = await startGateway(prefix, 1, {
  traceGc: process.env['GW_TRACE_GC'] === '1',
  ...(etcdMode
    ? {
        deployment: [
          'role: data_plane',
          'role_data_plane: { config_provider: etcd }',
          ...etcdLines,
        ],
      }
    : {}),
});
const adminPort = (controlPlane ?? gw).admin;
const url = `http://127.0.0.1:${gw.http}/exact/0`;
const workers = (await (
  await fetch(`http://127.0.0.1:${gw.control}/v1/gatehouse/workers`)
).json()) as { pid: number }[];
const workerPid = workers[0]!.pid;
const primaryPid = gw.child.pid!;
/** The processes of the write path other than the measured gateway: control plane and etcd. */
const writePathPids: number[] =
  etcd === undefined
    ? []
    : [controlPlane!.child.pid!, pidListeningOn(Number(new URL(etcd.endpoint).port))];
const writer: ChildProcess = fork(fileURLToPath(new URL('./churn-writer.js', import.meta.url)));
await new Promise((resolve) => writer.once('message', resolve)); // its pid: it is up

interface WriterResult {
  writes: number;
  failed: number;
  writeMs: number[];
}

/** Starts the Admin API writes (after `warmUp` sequential ones); resolves once they run. */
async function startWrites(warmUp: number): Promise<void> {
  const started = new Promise((resolve) => writer.once('message', resolve));
  writer.send({
    start: { admin: adminPort, upstreamPort: upstream.port, routes, perSecond, warmUp },
  });
  await started;
}

/** Stops them; resolves with what they did once the last one has answered. */
async function stopWrites(): Promise<WriterResult> {
  const result = new Promise<WriterResult>((resolve) =>
    writer.once('message', (m) => resolve(m as WriterResult)),
  );
  writer.send({ stop: true });
  return result;
}

if (pinMode !== '0') {
  // The worker on CPU 0; the load side (wrk, upstream, Admin client, this process) on CPU 1; the
  // primary with the worker (PIN=gateway) or with the load side (PIN=worker / PIN=1).
  pinProcess(0, workerPid);
  pinProcess(pinMode === 'gateway' ? 0 : 1, primaryPid);
  pinProcess(1, process.pid);
  pinProcess(1, writer.pid!);
  for (const pid of writePathPids) pinProcess(1, pid);
  process.env['WRK_CPU'] = '1';
}
// PRIMARY_POLICY=batch: the primary's threads under SCHED_BATCH (a fair share of the core, but
// its wake-ups do not preempt the worker); =alternate: SCHED_OTHER in odd rounds, SCHED_BATCH in
// even ones, so that both are measured in one run (each round's policy is printed).
const primaryPolicy = process.env['PRIMARY_POLICY'];
if (primaryPolicy !== undefined && !['batch', 'other', 'alternate'].includes(primaryPolicy)) {
  throw new Error(`PRIMARY_POLICY=${primaryPolicy}?`);
}
function setPrimaryPolicy(policy: 'batch' | 'other'): void {
  execFileSync('chrt', ['-a', `--${policy}`, '-p', '0', String(primaryPid)], { stdio: 'ignore' });
}
const policyOfRound = (r: number): 'batch' | 'other' | undefined =>
  primaryPolicy === 'alternate'
    ? r % 2 === 0
      ? 'other'
      : 'batch'
    : (primaryPolicy as 'batch' | 'other' | undefined);
// STORE=etcd: the write path (Admin client, control plane, etcd) stands for other machines. On
// the load core it runs at nice 19, in the gaps wrk and the upstream leave, so that it does not
// stall the load generator (NICE_WRITES=0 turns this off).
if (etcdMode && process.env['NICE_WRITES'] !== '0') {
  // Nice is per thread on Linux: every thread of each process (new ones inherit it).
  const tids = [writer.pid!, ...writePathPids].flatMap((pid) => readdirSync(`/proc/${pid}/task`));
  execFileSync('renice', ['-n', '19', '-p', ...tids], { stdio: 'ignore' });
}

// PERF_DIR: each phase also runs `perf record -g` on the worker into PERF_DIR/<n>-<phase>.data
// (give the worker --perf-basic-prof through GATEHOUSE_WORKER_NODE_OPTIONS to name JS frames).
const perfDir = process.env['PERF_DIR'];
let perfRuns = 0;
function perfRecord(withWrites: boolean): ChildProcess | undefined {
  if (perfDir === undefined) return undefined;
  const file = `${perfDir}/${++perfRuns}-${withWrites ? 'writes' : 'baseline'}.data`;
  // PERF_SCOPE=core: everything on CPU 0 (worker, primary, kernel), not the worker alone.
  const scope =
    process.env['PERF_SCOPE'] === 'core' ? ['-a', '-C', '0'] : ['-p', String(workerPid)];
  const args = ['record', '-q', '-e', 'cpu-clock', '-F', '2000', '-g', ...scope];
  return spawn('perf', [...args, '-o', file, '--', 'sleep', String(seconds)], { stdio: 'ignore' });
}

async function phase(withWrites: boolean): Promise<Phase> {
  if (withWrites) await startWrites(0);
  const perf = perfRecord(withWrites);
  const gc0 = gw.gc === undefined ? undefined : { ...gw.gc };
  const before = sample(workerPid, primaryPid);
  const r = await wrk(url, seconds);
  const after = sample(workerPid, primaryPid);
  if (perf !== undefined) await new Promise((resolve) => perf.once('exit', resolve));
  const w = withWrites ? await stopWrites() : { writes: 0, failed: 0, writeMs: [] };
  const cpu: Sample = {
    worker: after.worker - before.worker,
    workerWakeups: after.workerWakeups - before.workerWakeups,
    workerPreempted: after.workerPreempted - before.workerPreempted,
    primary: after.primary - before.primary,
    primaryWakeups: after.primaryWakeups - before.primaryWakeups,
    self: after.self - before.self,
    upstream: after.upstream - before.upstream,
    client: after.client - before.client,
    busy: after.busy - before.busy,
    total: after.total - before.total,
  };
  const gc =
    gw.gc === undefined || gc0 === undefined
      ? undefined
      : { ms: gw.gc.ms - gc0.ms, majors: gw.gc.majors - gc0.majors };
  return { ...r, cpu, ...w, ...(gc === undefined ? {} : { gc }) };
}

const pct = (ms: number, total: number): string => ((100 * ms) / total).toFixed(0).padStart(4);
try {
  // Warm-up, wrk and the Admin API client alike: the first fetch() of a Node process loads and
  // compiles undici (~0.1-0.5 s with its event loop blocked).
  await wrk(url, 2);
  await startWrites(warmWrites);
  await stopWrites();
  const rows: [string, Phase][] = [];
  for (let r = 0; r < rounds; r++) {
    rows.push(['no writes (baseline)', await phase(false)]);
    const policy = policyOfRound(r);
    if (policy !== undefined) setPrimaryPolicy(policy);
    rows.push([
      `${perSecond} writes/s${policy === undefined ? '' : ` ${policy}`}`,
      await phase(true),
    ]);
  }
  // A closing baseline, so that every phase with writes has a baseline on each side (A-B-A):
  // this VM's per-core speed drifts by 10-30 % over minutes, and the mean of the two baselines
  // around a phase cancels a drift that is linear over the three.
  rows.push(['no writes (baseline)', await phase(false)]);
  console.log(
    `\n${routes} routes, one worker, wrk -t1 -c${process.env['CONNS'] ?? 32} ${seconds}s on /exact/0; ` +
      `PIN=${pinMode}, UPSTREAM=${upstreamKind}, STORE=${storeKind}, WARM_WRITES=${warmWrites}` +
      (primaryPolicy === undefined ? '' : `, PRIMARY_POLICY=${primaryPolicy}`) +
      (etcdMode ? ' (admin client column: client + control_plane gateway + etcd)' : '') +
      '\n',
  );
  console.log(
    '| run                  |   req/s | p50 ms | p99 ms | errors | worker µs/req | worker wake-ups/s | worker % | primary % | upstream % | admin client % | rest (wrk, other) % | machine busy % |',
  );
  console.log(
    '| -------------------- | ------: | -----: | -----: | -----: | ------------: | ----------------: | -------: | --------: | ---------: | -------------: | ------------------: | -------------: |',
  );
  const coreMs = seconds * 1000;
  for (const [name, p] of rows) {
    const c = p.cpu;
    const rest = c.busy - c.worker - c.primary - c.self - c.upstream - c.client;
    const usPerReq = (1000 * c.worker) / (p.rps * seconds);
    console.log(
      `| ${name.padEnd(20)} | ${p.rps.toFixed(0).padStart(7)} | ${p.p50ms.toFixed(2).padStart(6)} | ${p.p99ms.toFixed(2).padStart(6)} | ${String(p.errors).padStart(6)} | ${usPerReq.toFixed(1).padStart(13)} | ${(c.workerWakeups / seconds).toFixed(0).padStart(17)} | ${pct(c.worker, coreMs).padStart(8)} | ${pct(c.primary, coreMs).padStart(9)} | ${pct(c.self + c.upstream, coreMs).padStart(10)} | ${pct(c.client, coreMs).padStart(14)} | ${pct(rest, coreMs).padStart(19)} | ${pct(c.busy, c.total / 2).padStart(14)} |`,
    );
  }
  console.log('\n(CPU % of one core over the wrk run; the machine has 2 cores = 200 %.)');
  const bracketed: number[] = [];
  for (let i = 0; i + 2 < rows.length; i += 2) {
    const quiet = rows[i]![1];
    const busy = rows[i + 1]![1];
    const after = rows[i + 2]![1];
    const around = (100 * busy.rps) / ((quiet.rps + after.rps) / 2);
    bracketed.push(around);
    const w = busy.writeMs.sort((a, b) => a - b);
    const q = (f: number) =>
      (w[Math.min(w.length - 1, Math.floor(f * w.length))] ?? NaN).toFixed(1);
    console.log(
      `round ${i / 2 + 1}${policyOfRound(i / 2) === undefined ? '' : ` (${policyOfRound(i / 2)})`}: throughput with writes ${((100 * busy.rps) / quiet.rps).toFixed(1)}% of the baseline before, ` +
        `${around.toFixed(1)}% of the two around it; ` +
        `p99 ${(busy.p99ms / Math.max(quiet.p99ms, after.p99ms)).toFixed(2)}x the higher of theirs; ${busy.writes} writes sent, ${busy.failed} failed; ` +
        `write latency p50 ${q(0.5)} ms, p99 ${q(0.99)} ms; primary CPU per write ${(busy.cpu.primary / Math.max(1, busy.writes)).toFixed(2)} ms, ` +
        `wake-ups per write ${((busy.cpu.primaryWakeups - quiet.cpu.primaryWakeups) / Math.max(1, busy.writes)).toFixed(1)}, ` +
        `worker preemptions/s ${(quiet.cpu.workerPreempted / seconds).toFixed(0)} without writes, ${(busy.cpu.workerPreempted / seconds).toFixed(0)} with; ` +
        (busy.gc === undefined || quiet.gc === undefined
          ? ''
          : `worker GC ${quiet.gc.ms.toFixed(0)} ms (${quiet.gc.majors} full) without writes, ${busy.gc.ms.toFixed(0)} ms (${busy.gc.majors} full) with; `) +
        `(${(busy.cpu.primary - quiet.cpu.primary).toFixed(0)} ms more than without writes)`,
    );
  }
  const groups =
    primaryPolicy === 'alternate'
      ? (['other', 'batch'] as const).map(
          (policy) =>
            [` (${policy})`, bracketed.filter((_, r) => policyOfRound(r) === policy)] as const,
        )
      : [['', bracketed] as const];
  for (const [label, ratios] of groups) {
    const sorted = [...ratios].sort((a, b) => a - b);
    const median = medianOfMiddle(sorted);
    console.log(
      `median over ${sorted.length} rounds${label}: throughput with writes ${median.toFixed(1)}% of the baselines around it ` +
        `(rounds sorted: ${sorted.map((x) => x.toFixed(1)).join(', ')})`,
    );
  }
} finally {
  writer.kill();
  await gw.stop();
  upstream.stop();
  await controlPlane?.stop();
  await stopAllEtcd();
  rmSync(prefix, { recursive: true, force: true });
}
