/**
 * How long a worker's event loop is blocked by the first item of each resource kind it applies,
 * against a second item of the same kind (the baseline: what every later write costs). The apply
 * path is the real one (buildWorkerApp with the default plugin list, listeners not opened) after
 * an empty reset, as in a gateway that starts empty and then gets its config through the Admin
 * API. `apply` is synchronous, so the time around it is the stall every request on that worker
 * waits. Each case runs in a fresh process, so nothing a previous case compiled is reused; the
 * parent also reports how long building the worker app and its empty reset took there (what a
 * worker spends before it says ready).
 *
 *   npx tsc -p . && node dist/bench/first-apply-stall.js [rounds=3]
 *
 * Printed: the median over `rounds` fresh processes of each number, in ms.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { configFromObject } from '../src/config/load.js';
import type { KeyValue } from '../src/core/kv.js';
import { silentLogger } from '../src/core/logger.js';
import { buildWorkerApp } from '../src/gateway/worker-app.js';
import { TEST_CERT, TEST_KEY } from '../test/resources/pem-fixture.js';

const upstream = (port: number) => ({ type: 'roundrobin', nodes: { [`127.0.0.1:${port}`]: 1 } });

/** Per case: the store directory and its n-th item (n = 1, 2). */
const CASES: Record<string, { dir: string; item: (n: number) => Record<string, unknown> }> = {
  route: { dir: 'routes', item: (n) => ({ uri: `/r${n}`, upstream: upstream(1980 + n) }) },
  'route+limit-count': {
    dir: 'routes',
    item: (n) => ({
      uri: `/lc${n}`,
      plugins: { 'limit-count': { count: 10 * n, time_window: 60 } },
      upstream: upstream(1980),
    }),
  },
  service: { dir: 'services', item: (n) => ({ upstream: upstream(1980 + n) }) },
  upstream: { dir: 'upstreams', item: (n) => upstream(1980 + n) },
  stream_route: {
    dir: 'stream_routes',
    item: (n) => ({ server_port: 9100 + n, upstream: upstream(1980) }),
  },
  'consumer+key-auth': {
    dir: 'consumers',
    item: (n) => ({ username: `u${n}`, plugins: { 'key-auth': { key: `k${n}` } } }),
  },
  'global_rule+prometheus': {
    dir: 'global_rules',
    item: (n) => ({ plugins: { prometheus: { prefer_name: n === 1 } } }),
  },
  plugin_config: {
    dir: 'plugin_configs',
    item: (n) => ({ plugins: { 'proxy-rewrite': { uri: `/p${n}` } } }),
  },
  ssl: { dir: 'ssls', item: (n) => ({ cert: TEST_CERT, key: TEST_KEY, snis: [`s${n}.test.com`] }) },
};

interface Result {
  startMs: number;
  firstMs: number;
  secondMs: number;
  problems: number;
}

async function child(name: string): Promise<Result> {
  const spec = CASES[name];
  if (spec === undefined) throw new Error(`unknown case ${name}`);
  let t0 = performance.now();
  const app = await buildWorkerApp(configFromObject({}), silentLogger());
  app.sink.reset([], 1);
  const startMs = performance.now() - t0;
  const kv = (n: number): KeyValue => ({
    key: `/apisix/${spec.dir}/${n}`,
    value: JSON.stringify({ id: String(n), ...spec.item(n) }),
    createRevision: 1 + n,
    modRevision: 1 + n,
    lease: 0,
  });
  const applied: number[] = [];
  for (const n of [1, 2]) {
    const ev = kv(n);
    t0 = performance.now();
    app.sink.apply(ev.modRevision, [{ type: 'put', kv: ev }]);
    applied.push(performance.now() - t0);
  }
  const problems = (app.sink as unknown as { problems(): unknown[] }).problems().length;
  await app.drain(0);
  return { startMs, firstMs: applied[0] ?? NaN, secondMs: applied[1] ?? NaN, problems };
}

function parent(rounds: number): void {
  const self = fileURLToPath(import.meta.url);
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? NaN;
  console.log(`median of ${rounds} fresh processes per case, ms`);
  console.log('| first item of | first apply | second apply | worker build + empty reset |');
  console.log('| ------------- | ----------: | -----------: | -------------------------: |');
  for (const name of Object.keys(CASES)) {
    const runs: Result[] = [];
    for (let r = 0; r < rounds; r++) {
      const out = execFileSync(process.execPath, [self, '--case', name], { encoding: 'utf8' });
      runs.push(JSON.parse(out) as Result);
    }
    // A case whose item fails to load would measure the error path, not the apply.
    if (runs.some((r) => r.problems > 0)) throw new Error(`${name}: the item did not load`);
    const col = (f: (r: Result) => number) => median(runs.map(f)).toFixed(1);
    console.log(
      `| ${name} | ${col((r) => r.firstMs)} | ${col((r) => r.secondMs)} | ${col((r) => r.startMs)} |`,
    );
  }
}

if (process.argv[2] === '--case') {
  const result = await child(process.argv[3] ?? '');
  process.stdout.write(JSON.stringify(result));
  // The worker app's plugins may hold timers; the numbers are out.
  process.exit(0);
} else {
  parent(Number(process.argv[2] ?? 3));
}
