/**
 * Route scale, memory only: a worker's DataPlaneState (real RuntimeUpstream factory, the at-rest
 * decryption a worker does, no sockets) reset with N routes of the route-scale mix; prints the
 * heap per route (`heapUsed` after gc() minus before) and the process RSS. Baseline in the same
 * run: the heap of the parsed store values alone. `snapshot` writes a heap snapshot after the
 * reset (open it in Chrome DevTools, "Summary" by constructor).
 *
 *   npx tsc -p . && node --expose-gc dist/bench/route-scale-heap.js [routes=100000] [snapshot]
 */
import { writeHeapSnapshot } from 'node:v8';
import { AtRest } from '../src/admin/at-rest.js';
import { Keyring } from '../src/core/data-encryption.js';
import type { KeyValue } from '../src/core/kv.js';
import { silentLogger } from '../src/core/logger.js';
import { PluginRegistry } from '../src/plugin/registry.js';
import { DataPlaneState } from '../src/snapshot/state.js';
import { DnsCache } from '../src/upstream/resolve.js';
import { runtimeUpstreamFactory, type RuntimeUpstream } from '../src/upstream/runtime.js';
import { mixedRoute } from './route-scale-gateway.js';

const routes = Number(process.argv[2] ?? 100_000);
const snapshot = process.argv[3] === 'snapshot';
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const items: KeyValue[] = [];
for (let i = 0; i < routes; i++) {
  items.push({
    key: `/apisix/routes/${i}`,
    value: JSON.stringify({ id: String(i), ...mixedRoute(i, 18080) }),
    createRevision: i + 2,
    modRevision: i + 2,
    lease: 0,
  });
}
const logger = silentLogger();
const plugins = new PluginRegistry([], []);
// As the worker (src/gateway/worker-app.ts): the default config's keyring, encrypt_fields on.
const atRest = new AtRest(new Keyring(['qeddd145sfvddff3', 'edd1c9f0985e76a2']), true);

const h0 = heap();
const parsed = items.map((kv) => JSON.parse(kv.value) as unknown);
const parsedBytes = heap() - h0;
parsed.length = 0;

const before = heap();
const t0 = performance.now();
const state = new DataPlaneState<RuntimeUpstream>({
  prefix: '/apisix',
  routerKind: 'radixtree_host_uri',
  plugins: () => plugins,
  decrypt: (dir, value) => atRest.forRead(dir, value, plugins),
  logger,
  upstreams: runtimeUpstreamFactory({ dns: new DnsCache(), logger }),
});
state.reset(items, routes + 1);
const resetMs = performance.now() - t0;
const after = heap();
const rssMiB = process.memoryUsage().rss / 2 ** 20;

console.log(`| routes | reset ms | heap B/route | parsed values alone B/route | RSS MiB |`);
console.log(`| -----: | -------: | -----------: | --------------------------: | ------: |`);
console.log(
  `| ${routes} | ${resetMs.toFixed(0)} | ${((after - before) / routes).toFixed(0)} | ` +
    `${(parsedBytes / routes).toFixed(0)} | ${rssMiB.toFixed(0)} |`,
);
if (snapshot) console.log(`heap snapshot: ${writeHeapSnapshot()}`);
// Keeps the state alive until the measurement is taken.
state.close();
