/**
 * Router micro-benchmark (not a test): ns per `match` for 1, 10k and 100k routes, hits on each
 * kind of route and misses, against a plain `Map.get` of the path in the same run; upsert and
 * remove cost per route at 100k; heap used per size.
 *
 *   npx tsc -p . && node --expose-gc dist/bench/router-match.js
 */
import { createRouter } from '../src/router/create-router.js';
import type { MatchRequest, RouteMatchSpec, Router, RouterKind } from '../src/router/types.js';
import { median } from './stats.js';

const SIZES = [1, 10_000, 100_000];
const ROUNDS = 5;
const ITERATIONS = 300_000;
const SAMPLE = 1024;
const noVars = { get: (): undefined => undefined };

type Shape = (i: number) => { spec: RouteMatchSpec; req: MatchRequest };

function req(path: string, host = 'example.com'): MatchRequest {
  return { method: 'GET', path, host, rawHost: host, remoteAddr: '10.0.0.1', vars: noVars };
}

const uriShapes: Record<string, Shape> = {
  exact: (i) => ({ spec: spec(`e${i}`, `/api/e${i}/item`), req: req(`/api/e${i}/item`) }),
  prefix: (i) => ({ spec: spec(`p${i}`, `/api/p${i}/*`), req: req(`/api/p${i}/a/b`) }),
  param: (i) => ({ spec: spec(`u${i}`, `/api/u${i}/:id/x`), req: req(`/api/u${i}/42/x`) }),
  host: (i) => ({
    spec: spec(`h${i}`, `/api/h${i}/*`, [`h${i}.example.com`]),
    req: req(`/api/h${i}/a`, `h${i}.example.com`),
  }),
};

const hostUriShapes: Record<string, Shape> = {
  exact: uriShapes.exact as Shape,
  prefix: uriShapes.prefix as Shape,
  host: (i) => ({
    spec: spec(`h${i}`, '/*', [`h${i}.example.com`]),
    req: req('/a', `h${i}.example.com`),
  }),
  'wildcard host': (i) => ({
    spec: spec(`w${i}`, '/w/*', [`*.w${i}.example.com`]),
    req: req('/w/a', `x.w${i}.example.com`),
  }),
};

function spec(id: string, path: string, hosts?: string[]): RouteMatchSpec {
  return { id, paths: [path], priority: 0, ...(hosts === undefined ? {} : { hosts }) };
}

/** ns per call of `fn` over the sample, median of ROUNDS. */
function time<T>(sample: T[], fn: (x: T) => unknown): number {
  const runs: number[] = [];
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < ITERATIONS; k++)
      if (fn(sample[k & (SAMPLE - 1)] as T) !== undefined) sink++;
    runs.push(Number(process.hrtime.bigint() - t0) / ITERATIONS);
  }
  if (sink < 0) console.log(sink);
  return median(runs);
}

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function build(kind: RouterKind, shapes: Record<string, Shape>, size: number): Router {
  const router = createRouter(kind);
  const per = Math.max(1, Math.floor(size / Object.keys(shapes).length));
  for (let i = 0; i < per; i++)
    for (const shape of Object.values(shapes)) router.upsert(shape(i).spec);
  return router;
}

const rows: string[] = [];
const memRows: string[] = [];

function runKind(kind: RouterKind, shapes: Record<string, Shape>): Router | undefined {
  let last: Router | undefined;
  for (const size of SIZES) {
    const before = heapUsed();
    const router = build(kind, shapes, size);
    const heap = heapUsed() - before;
    memRows.push(`| ${kind} | ${size} | ${router.size} | ${(heap / 1024 / 1024).toFixed(1)} MiB |`);
    const per = Math.max(1, Math.floor(size / Object.keys(shapes).length));
    const pick = (k: number): number => (k * 7919) % per;
    const cases: [string, MatchRequest[]][] = Object.entries(shapes).map(([name, shape]) => [
      name,
      Array.from({ length: SAMPLE }, (_, k) => shape(pick(k)).req),
    ]);
    cases.push(['miss', Array.from({ length: SAMPLE }, (_, k) => req(`/none/${pick(k)}/x`))]);
    const paths = new Map<string, number>();
    for (let i = 0; i < size; i++) paths.set(`/api/e${i}/item`, i);
    for (const [name, sample] of cases) {
      const ns = time(sample, (r) => router.match(r));
      const base = time(sample, (r) => paths.get(r.path));
      rows.push(`| ${kind} | ${size} | ${name} | ${ns.toFixed(0)} | ${base.toFixed(0)} |`);
    }
    last = router;
  }
  return last;
}

function churn(kind: RouterKind, router: Router, shapes: Record<string, Shape>): string {
  const n = 2000;
  const fresh = Array.from(
    { length: n },
    (_, k) => Object.values(shapes)[k % 4]?.(1_000_000 + k).spec,
  );
  const specs = fresh.filter((s): s is RouteMatchSpec => s !== undefined);
  const t0 = process.hrtime.bigint();
  for (const s of specs) router.upsert(s);
  const t1 = process.hrtime.bigint();
  for (const s of specs) router.upsert({ ...s, priority: 1 });
  const t2 = process.hrtime.bigint();
  for (const s of specs) router.remove(s.id);
  const t3 = process.hrtime.bigint();
  const us = (a: bigint, b: bigint): string => (Number(b - a) / specs.length / 1000).toFixed(2);
  return `| ${kind} | ${router.size} | ${us(t0, t1)} | ${us(t1, t2)} | ${us(t2, t3)} |`;
}

const churnRows: string[] = [];
const uri = runKind('radixtree_uri_with_parameter', uriShapes);
if (uri !== undefined) churnRows.push(churn('radixtree_uri_with_parameter', uri, uriShapes));
const hostUri = runKind('radixtree_host_uri', hostUriShapes);
if (hostUri !== undefined) churnRows.push(churn('radixtree_host_uri', hostUri, hostUriShapes));

console.log(`Node ${process.version}, median of ${ROUNDS} runs of ${ITERATIONS} matches\n`);
console.log('| router | routes | request hits | match ns | Map.get ns (baseline) |');
console.log('|---|---:|---|---:|---:|');
for (const r of rows) console.log(r);
console.log('\n| router | routes at 100k | new route upsert µs | replace µs | remove µs |');
console.log('|---|---:|---:|---:|---:|');
for (const r of churnRows) console.log(r);
console.log('\n| router | size asked | routes | heap used |');
console.log('|---|---:|---:|---:|');
for (const r of memRows) console.log(r);
if ((globalThis as { gc?: unknown }).gc === undefined)
  console.log('\n(run with --expose-gc for heap numbers)');
