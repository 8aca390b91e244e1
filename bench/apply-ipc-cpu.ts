/**
 * The worker's side of a route write, through the real IPC channel and worker runtime, without
 * the primary's Admin API around it (not a test): a parent forks a worker that runs `runWorker`
 * over a DataPlaneState (real RuntimeUpstream factory, no listeners), sends it `routes` routes
 * as the primary's chunked reset, then `writes` route PUT events as WorkerLink sends deltas, one
 * every `gapMs` (the churn benchmark's 50/s by default), and prints the worker's CPU per write
 * (all threads, and its main thread) from /proc. The worker is idle between writes, so this
 * includes its wake-ups, as bench/churn-cost.ts's worker column does.
 *
 *   npx tsc -p . && node dist/bench/apply-ipc-cpu.js [routes=10000] [writes=500] [gapMs=20]
 *
 * `APPLY_WORKER_ARGS` adds node flags to the worker. Instructions instead of time (noise-free,
 * but without the cold caches of a write every 20 ms): `APPLY_CALLGRIND=<out file>` runs the
 * worker under callgrind; run once with 200 writes and once with 1,200 and take the difference
 * of the totals over 1,000 (gapMs 0 is fine there: what is counted does not depend on time).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KeyValue, WatchEvent } from '../src/core/kv.js';
import { silentLogger } from '../src/core/logger.js';
import { RESET_CHUNK_ITEMS, type ToPrimary, type ToWorker } from '../src/cluster/messages.js';
import { runWorker } from '../src/cluster/worker.js';
import { WORKER_DEFAULT_FLAGS } from '../src/cluster/worker-argv.js';
import { mixedRoute } from './route-scale-gateway.js';
import { plainState } from './plain-state.js';
import { threadCpuMs } from './proc-cpu.js';

const UPSTREAM_PORT = 1980;

if (process.argv[2] === 'worker') worker();
else
  await parent(
    Number(process.argv[2] ?? 10_000),
    Number(process.argv[3] ?? 500),
    Number(process.argv[4] ?? 20),
  );

function worker(): void {
  const logger = silentLogger();
  const state = plainState(logger);
  runWorker(
    () => ({
      sink: state,
      listen: () => Promise.resolve(),
      drain: () => {
        state.close();
        return Promise.resolve();
      },
    }),
    logger,
  );
}

async function parent(routes: number, writes: number, gapMs: number): Promise<void> {
  const callgrind = process.env['APPLY_CALLGRIND'];
  const flags = [
    ...WORKER_DEFAULT_FLAGS.flat(),
    ...(process.env['APPLY_WORKER_ARGS'] ?? '').split(/\s+/).filter((a) => a !== ''),
  ];
  const file = fileURLToPath(import.meta.url);
  const child =
    callgrind === undefined
      ? fork(file, ['worker'], { execArgv: flags })
      : fork(file, ['worker'], {
          execPath: 'valgrind',
          execArgv: [
            '--tool=callgrind',
            `--callgrind-out-file=${callgrind}`,
            process.execPath,
            '--single-threaded',
            ...flags,
          ],
        });
  let rev = 1;
  const kv = (i: number, extra: Record<string, unknown>): KeyValue => {
    rev++;
    const value = { id: String(i), ...mixedRoute(i, UPSTREAM_PORT), ...extra };
    return {
      key: `/apisix/routes/${i}`,
      value: JSON.stringify(value),
      createRevision: 2 + i,
      modRevision: rev,
      lease: 0,
    };
  };
  const send = (msg: ToWorker) => child.send(msg);
  const acked = (revision: number) =>
    new Promise<void>((resolve) => {
      const on = (msg: ToPrimary) => {
        if ((msg.t === 'ack' || msg.t === 'ready') && msg.revision >= revision) {
          child.off('message', on);
          resolve();
        }
      };
      child.on('message', on);
    });
  await new Promise<void>((resolve) => child.once('message', () => resolve())); // hello
  const items: KeyValue[] = [];
  for (let i = 0; i < routes; i++) items.push(kv(i, { create_time: 1, update_time: 1 }));
  send({ t: 'init', config: {} as never });
  send({ t: 'reset-begin', revision: rev, total: items.length });
  for (let at = 0; at < items.length; at += RESET_CHUNK_ITEMS) {
    send({ t: 'reset-chunk', items: items.slice(at, at + RESET_CHUNK_ITEMS) });
  }
  send({ t: 'reset-end', revision: rev });
  await acked(rev);
  await new Promise((resolve) => setTimeout(resolve, 500));

  const before = threadCpuMs(child.pid!);
  const t0 = performance.now();
  for (let w = 0; w < writes; w++) {
    const i = 1 + ((w * 7919) % (routes - 1));
    const events: WatchEvent[] = [
      { type: 'put', kv: kv(i, { desc: `w${w}`, create_time: 1, update_time: 2 }) },
    ];
    send({ t: 'events', revision: rev, events });
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  send({ t: 'ack-now' });
  await acked(rev);
  const after = threadCpuMs(child.pid!);
  const ms = performance.now() - t0;
  send({ t: 'stop', drainMs: 0 });
  await new Promise((resolve) => child.once('exit', resolve));
  const per = (a: number, b: number) => ((1000 * (b - a)) / writes).toFixed(0);
  console.log(
    `${routes} routes, ${writes} writes, ${gapMs} ms apart (${ms.toFixed(0)} ms): worker µs/write ` +
      `${per(before.all, after.all)} (main thread ${per(before.main, after.main)})`,
  );
}
