/**
 * What one durable embedded-store commit costs the process, at the churn benchmark's pace: a
 * store on the real disk holding N mixed routes is closed and reopened (as the gateway finds it),
 * then receives W route puts `gapMs` apart, and this prints per put the process CPU (user and
 * system, all threads), the voluntary context switches (each an I/O wait), and the disk's write
 * and flush requests (from /proc/diskstats: device-wide, so other writers on the machine add to
 * them). Not a test; never asserts timings.
 *
 *   npx tsc -p . && node dist/bench/store-commit.js [routes=10000] [writes=500] [gapMs=20] [store]
 *
 * `store` is the embedded-store module to measure (default: this build's), so that an A/B runs
 * the same bench against a base build: `node dist/bench/store-commit.js 10000 500 20
 * $PWD/dist-base/src/store/embedded/embedded-store.js`. Alternate the two under the bench lock.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmbeddedStore } from '../src/store/embedded/embedded-store.js';
import { mixedRoute, newPrefix, seedRoutes } from './route-scale-gateway.js';
import { median, percentile } from './stats.js';

const routes = Number(process.argv[2] ?? 10_000);
const writes = Number(process.argv[3] ?? 500);
const gapMs = Number(process.argv[4] ?? 20);
const storeModule = process.argv[5] ?? '../src/store/embedded/embedded-store.js';
const { EmbeddedStore: Store } = (await import(storeModule)) as {
  EmbeddedStore: typeof EmbeddedStore;
};

/** Write requests and flushes completed by the disk holding `file` (whole device). */
function diskRequests(device: string): { writes: number; flushes: number } {
  for (const line of readFileSync('/proc/diskstats', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[2] === device) return { writes: Number(f[7]), flushes: Number(f[18] ?? 0) };
  }
  return { writes: NaN, flushes: NaN };
}

const file = join(newPrefix(), 'data', 'gatehouse.db');
const seeding = Store.open({ file });
await seedRoutes(seeding, routes, 8080);
await seeding.close();
const store = Store.open({ file });
const device = process.env['DISK'] ?? 'vda';

const user: number[] = [];
const system: number[] = [];
const waits: number[] = [];
const diskBefore = diskRequests(device);
for (let seq = 0; seq < writes; seq++) {
  const i = 1 + ((seq * 7919) % (routes - 1)); // bench/churn-writer.ts's route order
  const body = JSON.stringify({ id: String(i), ...mixedRoute(i, 8080), desc: `w${seq}` });
  const switches = process.resourceUsage().voluntaryContextSwitches;
  const cpu = process.cpuUsage();
  await store.put(`/apisix/routes/${i}`, body);
  const spent = process.cpuUsage(cpu);
  waits.push(process.resourceUsage().voluntaryContextSwitches - switches);
  user.push(spent.user);
  system.push(spent.system);
  await sleep(gapMs);
}
const diskAfter = diskRequests(device);
await store.close();

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const us = (x: number) => x.toFixed(0).padStart(6);
console.log(
  `${storeModule === process.argv[5] ? storeModule : 'this build'}: ${writes} puts, ${gapMs} ms apart`,
);
const total = user.map((u, k) => u + (system[k] ?? 0)).sort((a, b) => a - b);
console.log(
  `  cpu us/put  median ${us(median(total))}` +
    `  mean ${us(mean(user) + mean(system))} (user ${us(mean(user))}, sys ${us(mean(system))})` +
    `  p99 ${us(percentile(total, 99))}  max ${us(total[total.length - 1] ?? NaN)}`,
);
console.log(`  voluntary switches/put  mean ${mean(waits).toFixed(2)}`);
// By hundreds of puts: the WAL grows (the file was closed and reopened) until its first
// checkpoint, at 1,000 pages, then is rewritten in place.
const blocks: string[] = [];
for (let k = 0; k < writes; k += 100) {
  const part = user.slice(k, k + 100).map((u, j) => u + (system[k + j] ?? 0));
  blocks.push(us(mean(part)).trim());
}
console.log(`  cpu us/put by hundreds  ${blocks.join(' ')}`);
console.log(
  `  disk requests/put (device-wide)  writes ${((diskAfter.writes - diskBefore.writes) / writes).toFixed(2)}` +
    `  flushes ${((diskAfter.flushes - diskBefore.flushes) / writes).toFixed(2)}`,
);
