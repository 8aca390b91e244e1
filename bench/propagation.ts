/**
 * Propagation: a write to the embedded store → applied in every worker, against the baseline of
 * the same put → watch event in the primary alone, in one run (not a test; never asserts timings).
 *
 *   npx tsc -p . && node dist/bench/propagation.js [writes=5000] [workers=4] [resetItems=100000]
 *
 * Workers are real gateway workers (dist/src/gateway/worker-main.js: DataPlaneState + proxy),
 * fed by a ConfigFeed over the store as in `gatehouse start`. Writes are route PUTs one after the
 * other: baseline = put() until the primary's own watch sees the event; propagation = put() until
 * WorkerPool.waitForRevision resolves (every worker acknowledged). Last, a reset of `resetItems`
 * routes is sent to a fresh worker: time to ready, and the longest the primary's event loop was
 * blocked meanwhile.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WorkerPool } from '../src/cluster/pool.js';
import { configFromObject } from '../src/config/load.js';
import type { KeyValue } from '../src/core/kv.js';
import { createLogger } from '../src/core/logger.js';
import { EmbeddedStore } from '../src/store/embedded/embedded-store.js';
import { ConfigFeed } from '../src/store/feed.js';
import { freePort } from '../test/support/free-port.js';
import { latencyRow, routeValue, scratchDir } from './propagation-common.js';

const writes = Number(process.argv[2] ?? 5000);
const workerCount = Number(process.argv[3] ?? 4);
const resetItems = Number(process.argv[4] ?? 100_000);
const exec = fileURLToPath(new URL('../src/gateway/worker-main.js', import.meta.url));
const dir = scratchDir('propagation');
const logger = createLogger('bench', 'warn');

const route = routeValue;

const summary = (name: string, ms: number[]): string => latencyRow(name, ms, 44, 3);

const store = EmbeddedStore.open({ file: join(dir, 'gatehouse.db'), logger });
const feed = new ConfigFeed({ store, prefix: '/apisix', logger });
const port = await freePort();
const config = configFromObject(
  {
    apisix: {
      node_listen: [{ ip: '127.0.0.1', port }],
      enable_control: false,
      ssl: { enable: false },
    },
    nginx_config: { worker_processes: workerCount },
  },
  { prefix: dir },
);
const pool = new WorkerPool({
  count: workerCount,
  exec,
  config,
  state: () => ({ revision: feed.revision, items: feed.items().values() }),
  logger,
});
await feed.start((u) => pool.publish(u));
await pool.start();

// Baseline: put → the primary's own watch callback.
const baseline: number[] = [];
{
  let seenRevision = 0;
  let waiting: { revision: number; resolve: () => void } | undefined;
  const watch = store.watch('/apisix/', 0, (batch) => {
    if (batch.kind !== 'events') return;
    seenRevision = batch.revision;
    if (waiting && batch.revision >= waiting.revision) waiting.resolve();
  });
  for (let i = 0; i < writes; i++) {
    const t0 = performance.now();
    let resolve!: () => void;
    const seen = new Promise<void>((r) => (resolve = r));
    const { revision } = await store.put(`/apisix/routes/b${i % 1000}`, route(i));
    waiting = { revision, resolve };
    if (seenRevision < revision) await seen;
    baseline.push(performance.now() - t0);
  }
  watch.cancel();
}

// Propagation: put → every worker acknowledged.
const propagation: number[] = [];
let timeouts = 0;
for (let i = 0; i < writes; i++) {
  const t0 = performance.now();
  const { revision } = await store.put(`/apisix/routes/p${i % 1000}`, route(i));
  if (!(await pool.waitForRevision(revision, 5000))) timeouts++;
  propagation.push(performance.now() - t0);
}
await pool.stop();

// A large reset: `resetItems` routes in the primary's state, one new worker.
const big: KeyValue[] = Array.from({ length: resetItems }, (_, i) => ({
  key: `/apisix/routes/big${i}`,
  value: route(i),
  createRevision: 1,
  modRevision: 1,
  lease: 0,
}));
const loop = monitorEventLoopDelay({ resolution: 1 });
const one = new WorkerPool({
  count: 1,
  exec,
  config,
  state: () => ({ revision: 1, items: big }),
  logger,
  readyTimeoutMs: 300_000,
});
loop.enable();
const t0 = performance.now();
await one.start();
const readyMs = performance.now() - t0;
loop.disable();
await one.stop();
feed.stop();
await store.close();
rmSync(dir, { recursive: true, force: true });

console.log(`\n${writes} sequential route writes, ${workerCount} workers, embedded store (ms)\n`);
console.log(`| ${'path'.padEnd(44)} |      p50 |      p99 |      max |`);
console.log(`| ${'-'.repeat(44)} | -------: | -------: | -------: |`);
console.log(summary('baseline: put → watch event in the primary', baseline));
console.log(summary(`put → applied in all ${workerCount} workers (waitForRevision)`, propagation));
if (timeouts > 0) console.log(`(${timeouts} waits timed out)`);
console.log(
  `\nreset of ${resetItems} routes to a new worker: ready after ${readyMs.toFixed(0)} ms; ` +
    `primary event loop blocked at most ${(loop.max / 1e6).toFixed(1)} ms ` +
    `(p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms)`,
);
