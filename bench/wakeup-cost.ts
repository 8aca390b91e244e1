/**
 * What a process sharing the proxy's core costs the worker, by wake-ups alone: the churn
 * benchmark's placement (gateway on CPU 0; wrk and nginx upstream on CPU 1), with no Admin API
 * writes, but a neighbour process on CPU 0 that wakes `rate` times a second and each time
 * touches `kib` KiB of its own memory (0: wakes and sleeps again). Rounds are A-B-A like churn's:
 * a phase without the neighbour, one with it, and a closing one.
 *
 * It answers whether the worker's rise in CPU per request under churn (+6-13 % in session 8)
 * comes from how often something else runs on its core, or from how much that something does.
 *
 *   npx tsc -p . && node dist/bench/wakeup-cost.js [rate=215] [kib=0] [seconds=3] [rounds=6]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { contextSwitches, threadCpuMs } from './proc-cpu.js';
import { medianOfMiddle } from './stats.js';
import {
  pinProcess,
  preparePrefix,
  startGateway,
  startNginxUpstream,
  workerPids,
  wrk,
  type WrkResult,
} from './route-scale-gateway.js';

const rate = Number(process.argv[2] ?? 215);
const kib = Number(process.argv[3] ?? 0);
const seconds = Number(process.argv[4] ?? 3);
const rounds = Number(process.argv[5] ?? 6);

/**
 * A process that wakes `rate` times a second and touches `kib` KiB, one byte per 64: a node
 * process, or with NEIGHBOUR=python a python3 one (much less work per wake-up than node's
 * event loop and timers).
 */
function startNeighbour(): ChildProcess {
  if (process.env['NEIGHBOUR'] === 'python') {
    const py = [
      'import time',
      `buf = bytearray(${kib} * 1024)`,
      `period = ${1 / rate}`,
      'while True:',
      '    time.sleep(period)',
      '    for i in range(0, len(buf), 64): buf[i] = (buf[i] + 1) & 255',
    ].join('\n');
    return spawn('python3', ['-c', py], { stdio: 'ignore' });
  }
  const code = `
    const buf = Buffer.alloc(${kib} * 1024);
    let x = 0;
    setInterval(() => { for (let i = 0; i < buf.length; i += 64) x += buf[i]++; }, ${1000 / rate});
  `;
  return spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
}

const upstream = await startNginxUpstream('1');
const prefix = await preparePrefix(10_000, upstream.port);
const gw = await startGateway(prefix, 1);
const [workerPid] = await workerPids(gw);
pinProcess(0, workerPid!);
pinProcess(0, gw.child.pid!);
pinProcess(1, process.pid);
process.env['WRK_CPU'] = '1';
const url = `http://127.0.0.1:${gw.http}/exact/0`;

interface Phase extends WrkResult {
  usPerReq: number;
  preempted: number;
  neighbourWakeups: number;
}

async function phase(withNeighbour: boolean): Promise<Phase> {
  const n = withNeighbour ? startNeighbour() : undefined;
  if (n !== undefined) {
    pinProcess(0, n.pid!);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const cpu0 = threadCpuMs(workerPid!).main;
  const sw0 = contextSwitches(workerPid!).involuntary;
  const nw0 = n === undefined ? 0 : contextSwitches(n.pid!).voluntary;
  const r = await wrk(url, seconds);
  const cpu = threadCpuMs(workerPid!).main - cpu0;
  const preempted = contextSwitches(workerPid!).involuntary - sw0;
  const nw = n === undefined ? 0 : contextSwitches(n.pid!).voluntary - nw0;
  n?.kill();
  return {
    ...r,
    usPerReq: (1000 * cpu) / (r.rps * seconds),
    preempted: preempted / seconds,
    neighbourWakeups: nw / seconds,
  };
}

try {
  await wrk(url, 2);
  const rows: [string, Phase][] = [];
  for (let i = 0; i < rounds; i++) {
    rows.push(['alone', await phase(false)]);
    rows.push([`neighbour ${rate}/s ${kib} KiB`, await phase(true)]);
  }
  rows.push(['alone', await phase(false)]);
  console.log(`\n10000 routes, one worker; wrk -t1 -c${process.env['CONNS'] ?? 32} ${seconds}s\n`);
  console.log(
    '| phase                          |   req/s | p99 ms | worker main-thread µs/req | worker preempted/s | neighbour wake-ups/s |',
  );
  console.log(
    '| ------------------------------ | ------: | -----: | ------------------------: | -----------------: | -------------------: |',
  );
  for (const [name, p] of rows) {
    console.log(
      `| ${name.padEnd(30)} | ${p.rps.toFixed(0).padStart(7)} | ${p.p99ms.toFixed(2).padStart(6)} | ${p.usPerReq.toFixed(1).padStart(25)} | ${p.preempted.toFixed(0).padStart(18)} | ${p.neighbourWakeups.toFixed(0).padStart(20)} |`,
    );
  }
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (let i = 0; i + 2 < rows.length; i += 2) {
    const [a, b, c] = [rows[i]![1], rows[i + 1]![1], rows[i + 2]![1]];
    ratios.push((100 * b.rps) / ((a.rps + c.rps) / 2));
    cpuRatios.push((100 * b.usPerReq) / ((a.usPerReq + c.usPerReq) / 2));
  }

  console.log(
    `\nmedian over ${ratios.length} rounds: throughput with the neighbour ${medianOfMiddle(ratios).toFixed(1)}% ` +
      `of the phases around it (${ratios.map((x) => x.toFixed(1)).join(', ')}); ` +
      `worker CPU per request ${medianOfMiddle(cpuRatios).toFixed(1)}% (${cpuRatios.map((x) => x.toFixed(1)).join(', ')})`,
  );
} finally {
  await gw.stop();
  upstream.stop();
  rmSync(prefix, { recursive: true, force: true });
}
