/**
 * A real gateway that starts empty: how long `gatehouse start` takes until /status/ready, then
 * the Admin API latency of the first PUT of each resource kind against a second PUT of the same
 * kind (the baseline), both acknowledged by the primary (stream routes are left out: the default
 * proxy mode refuses them). The difference is what the primary's
 * first write of a kind costs it (its event loop is busy meanwhile: other Admin calls and the
 * feed to the workers wait).
 *
 *   npx tsc -p . && node dist/bench/first-write-admin.js [rounds=3] [workers=2]
 *
 * Printed: medians over `rounds` fresh gateways, in ms.
 */
import { rmSync } from 'node:fs';
import { KEY, newPrefix, startGateway } from './route-scale-gateway.js';

const rounds = Number(process.argv[2] ?? 3);
const workers = Number(process.argv[3] ?? 2);
const upstream = (port: number) => ({ type: 'roundrobin', nodes: { [`127.0.0.1:${port}`]: 1 } });

/** Per kind: the Admin path and its n-th body (n = 1, 2). */
const KINDS: Record<string, { path: string; body: (n: number) => Record<string, unknown> }> = {
  routes: { path: 'routes', body: (n) => ({ uri: `/r${n}`, upstream: upstream(1980 + n) }) },
  services: { path: 'services', body: (n) => ({ upstream: upstream(1980 + n) }) },
  upstreams: { path: 'upstreams', body: (n) => upstream(1980 + n) },
  'plugin_configs (limit-count)': {
    path: 'plugin_configs',
    body: (n) => ({ plugins: { 'limit-count': { count: 10 * n, time_window: 60 } } }),
  },
  'consumers (key-auth)': {
    path: 'consumers',
    body: (n) => ({ username: `u${n}`, plugins: { 'key-auth': { key: `key${n}` } } }),
  },
};

async function put(admin: number, path: string, body: unknown): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${admin}/apisix/admin/${path}`, {
    method: 'PUT',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  if (res.status >= 300) throw new Error(`PUT ${path}: ${res.status}`);
  return performance.now() - t0;
}

const starts: number[] = [];
const firsts = new Map<string, number[]>();
const seconds = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  const prefix = newPrefix();
  const gw = await startGateway(prefix, workers);
  starts.push(gw.startMs);
  try {
    for (const [name, k] of Object.entries(KINDS)) {
      // Consumers are keyed by username; the rest by id.
      const target = (n: number) => (k.path === 'consumers' ? k.path : `${k.path}/${n}`);
      const a = await put(gw.admin, target(1), k.body(1));
      const b = await put(gw.admin, target(2), k.body(2));
      firsts.set(name, [...(firsts.get(name) ?? []), a]);
      seconds.set(name, [...(seconds.get(name) ?? []), b]);
    }
  } finally {
    await gw.stop();
    rmSync(prefix, { recursive: true, force: true });
  }
}
const median = (a: readonly number[]) =>
  ([...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? NaN).toFixed(1);
console.log(`${workers} workers, medians of ${rounds} fresh gateways, ms`);
console.log(`gatehouse start → /status/ready: ${median(starts)} (runs: ${starts.join(', ')})`);
console.log('| Admin PUT of | first | second |');
console.log('| ------------ | ----: | -----: |');
for (const name of Object.keys(KINDS)) {
  console.log(
    `| ${name} | ${median(firsts.get(name) ?? [])} | ${median(seconds.get(name) ?? [])} |`,
  );
}
