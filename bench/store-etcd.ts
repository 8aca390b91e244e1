/**
 * Put → watch-event latency through a real single-member etcd, beside the embedded store, in one
 * run (not a test; never asserts timings).
 *
 *   npx tsc -p . && node dist/bench/store-etcd.js [writes=2000] [rounds=3]
 *
 * Each round does `writes` sequential puts (awaiting each) to one store, with a watch on the same
 * store in the same process; latency is from calling put() to the watch callback receiving that
 * write's event. Rounds alternate the backends so drift in the machine hits all of them; the
 * table shows the median round. The embedded store and the "disk" etcd keep their data in
 * bench/out/ on the real disk (both fsync every write); the "tmpfs" etcd shows what fsync costs.
 * Set ETCD_ENDPOINT to measure an etcd you run yourself instead of the ones this starts.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EmbeddedStore } from '../src/store/embedded/embedded-store.js';
import { EtcdStore } from '../src/store/etcd/etcd-store.js';
import type { ConfigStore } from '../src/store/types.js';
import { startEtcd, stopAllEtcd } from '../test/support/etcd.js';
import { median, percentile } from './stats.js';

const writes = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 3);
const outDir = new URL('./out/', import.meta.url).pathname;
mkdirSync(outDir, { recursive: true });
const dir = mkdtempSync(join(outDir, 'store-etcd-'));

interface Round {
  p50: number;
  p90: number;
  p99: number;
  putP50: number;
  perSecond: number;
}

async function round(store: ConfigStore, tag: string): Promise<Round> {
  const prefix = `/apisix/bench-${tag}/`;
  const sentAt: number[] = [];
  const latencies: number[] = [];
  const puts: number[] = [];
  let delivered!: () => void;
  const allDelivered = new Promise<void>((resolve) => (delivered = resolve));
  const watch = store.watch(prefix, (await store.revision()) + 1, (batch) => {
    if (batch.kind !== 'events') throw new Error(`watch ended: ${JSON.stringify(batch)}`);
    const now = performance.now();
    for (const e of batch.events) {
      if (e.type !== 'put') continue;
      const { i } = JSON.parse(e.kv.value) as { i: number };
      latencies.push(now - (sentAt[i] ?? NaN));
    }
    if (latencies.length === writes) delivered();
  });
  const start = performance.now();
  for (let i = 0; i < writes; i++) {
    const t0 = performance.now();
    sentAt[i] = t0;
    await store.put(`${prefix}routes/${i % 100}`, JSON.stringify({ i, uri: `/r/${i}` }));
    puts.push(performance.now() - t0);
  }
  const elapsed = performance.now() - start;
  await allDelivered;
  watch.cancel();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    putP50: percentile(
      puts.sort((a, b) => a - b),
      50,
    ),
    perSecond: (writes / elapsed) * 1000,
  };
}

const targets: Array<{ name: string; open: () => Promise<ConfigStore> }> = [
  {
    name: 'EmbeddedStore (SQLite WAL, synchronous=FULL, disk)',
    open: () => Promise.resolve(EmbeddedStore.open({ file: join(dir, 'embedded.db') })),
  },
];
const external = process.env['ETCD_ENDPOINT'];
if (external) {
  targets.push({
    name: `EtcdStore (${external})`,
    open: () => EtcdStore.open({ hosts: [external], timeoutSeconds: 5 }),
  });
} else {
  const onDisk = await startEtcd({ name: 'bench-disk', baseDir: dir });
  const onTmpfs = await startEtcd({ name: 'bench-tmpfs' });
  targets.push(
    {
      name: 'EtcdStore (etcd 3.4 single member, disk)',
      open: () => EtcdStore.open({ hosts: [onDisk.endpoint], timeoutSeconds: 5 }),
    },
    {
      name: 'EtcdStore (etcd 3.4 single member, tmpfs)',
      open: () => EtcdStore.open({ hosts: [onTmpfs.endpoint], timeoutSeconds: 5 }),
    },
  );
}

const results = targets.map(() => [] as Round[]);
for (let r = 0; r < rounds; r++) {
  for (const [t, target] of targets.entries()) {
    const store = await target.open();
    results[t]?.push(await round(store, String(r)));
    await store.close();
  }
}
await stopAllEtcd();
rmSync(dir, { recursive: true, force: true });

console.log(
  `\n${writes} sequential puts × ${rounds} rounds, put → watch event; medians of rounds\n`,
);
console.log('| store | p50 ms | p90 ms | p99 ms | put round trip p50 ms | writes/s |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [t, target] of targets.entries()) {
  const rs = results[t] ?? [];
  const m = (f: (x: Round) => number) => median(rs.map(f));
  console.log(
    `| ${target.name} | ${m((x) => x.p50).toFixed(3)} | ${m((x) => x.p90).toFixed(3)} | ` +
      `${m((x) => x.p99).toFixed(3)} | ` +
      `${m((x) => x.putP50).toFixed(3)} | ${m((x) => x.perSecond).toFixed(0)} |`,
  );
}
