/**
 * Embedded store write path against bare SQLite, in one run (not a test; never asserts timings).
 *
 *   npx tsc -p . && node dist/bench/store-embedded.js [writes=5000] [rounds=3]
 *
 * Baseline: better-sqlite3 `INSERT OR REPLACE` with the store's pragmas (WAL, synchronous=FULL,
 * exclusive locking), one autocommit statement per write: the floor for a durable write.
 * Store: EmbeddedStore.put (kv row + revision + history event in one transaction), and the
 * latency from calling put() to the watch callback receiving the event. The baseline's latency
 * is its commit time, i.e. what a watch would cost if it were free. Rounds alternate baseline
 * and store so drift in the machine hits both; the table shows the median round.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { EmbeddedStore } from '../src/store/embedded/embedded-store.js';
import { median, percentile } from './stats.js';

const writes = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 3);
const outDir = new URL('./out/', import.meta.url).pathname; // on the real disk, unlike a tmpfs
mkdirSync(outDir, { recursive: true });
const dir = mkdtempSync(join(outDir, 'store-embedded-'));

interface Round {
  perSecond: number;
  p50: number;
  p99: number;
}

const value = (i: number) =>
  JSON.stringify({
    id: String(i % 100),
    uri: `/r/${i}`,
    upstream: { nodes: { '127.0.0.1:80': 1 } },
  });

function summarize(latencies: number[], elapsedMs: number): Round {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    perSecond: (latencies.length / elapsedMs) * 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

function baselineRound(file: string): Round {
  const db = new Database(file);
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE kv (key BLOB PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID');
  const insert = db.prepare<[Buffer, string]>(
    'INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)',
  );
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < writes; i++) {
    const t0 = performance.now();
    insert.run(Buffer.from(`/apisix/routes/${i % 100}`), value(i));
    latencies.push(performance.now() - t0);
  }
  const elapsed = performance.now() - start;
  db.close();
  return summarize(latencies, elapsed);
}

/** Throughput of sequential awaited puts, with one watch open that takes the latency samples. */
async function storeRound(file: string): Promise<Round> {
  const store = EmbeddedStore.open({ file });
  const first = (await store.revision()) + 1;
  // Sequential puts each make exactly one revision, so put i is revision first + i.
  const sentAt = new Float64Array(writes);
  const latencies: number[] = [];
  let delivered!: () => void;
  const allDelivered = new Promise<void>((resolve) => (delivered = resolve));
  const watch = store.watch('/apisix/', first, (batch) => {
    if (batch.kind !== 'events') return;
    latencies.push(performance.now() - (sentAt[batch.revision - first] ?? NaN));
    if (latencies.length === writes) delivered();
  });
  const start = performance.now();
  for (let i = 0; i < writes; i++) {
    sentAt[i] = performance.now();
    await store.put(`/apisix/routes/${i % 100}`, value(i));
  }
  const elapsed = performance.now() - start;
  await allDelivered;
  watch.cancel();
  await store.close();
  return summarize(latencies, elapsed);
}

const base: Round[] = [];
const mine: Round[] = [];
for (let r = 0; r < rounds; r++) {
  base.push(baselineRound(join(dir, `baseline-${r}.db`)));
  mine.push(await storeRound(join(dir, `store-${r}.db`)));
}
rmSync(dir, { recursive: true, force: true });

const row = (name: string, rs: Round[]) => {
  const w = median(rs.map((x) => x.perSecond));
  const p50 = median(rs.map((x) => x.p50));
  const p99 = median(rs.map((x) => x.p99));
  const ws = rs.map((x) => x.perSecond);
  const spread = `${Math.min(...ws).toFixed(0)}–${Math.max(...ws).toFixed(0)}`;
  return { name, w, p50, p99, spread };
};
const b = row('raw better-sqlite3 INSERT OR REPLACE (commit latency)', base);
const s = row('EmbeddedStore.put (put → watch event latency)', mine);
console.log(`\n${writes} writes × ${rounds} rounds, WAL + synchronous=FULL, medians of rounds\n`);
console.log('| | writes/s | writes/s, all rounds | p50 ms | p99 ms |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const x of [b, s]) {
  console.log(
    `| ${x.name} | ${x.w.toFixed(0)} | ${x.spread} | ${x.p50.toFixed(3)} | ${x.p99.toFixed(3)} |`,
  );
}
console.log(
  `| store / baseline | ${(s.w / b.w).toFixed(2)}× | | ${(s.p50 / b.p50).toFixed(2)}× | ${(s.p99 / b.p99).toFixed(2)}× |`,
);
