/**
 * The worker's apply path alone: a DataPlaneState with N routes of the churn mix (real
 * RuntimeUpstream factory, no sockets), then W route PUT events applied one by one as the primary
 * sends them (one event per batch), timing each apply. Baseline in the same run: JSON.parse of the
 * same values (the least a worker must do per write).
 *
 *   npx tsc -p . && node --expose-gc dist/bench/apply-cost.js [routes=10000] [writes=2000]
 */
import type { KeyValue } from '../src/core/kv.js';
import { silentLogger } from '../src/core/logger.js';
import { mixedRoute } from './route-scale-gateway.js';
import { plainState } from './plain-state.js';

const routes = Number(process.argv[2] ?? 10_000);
const writes = Number(process.argv[3] ?? 2000);
const logger = silentLogger();
const state = plainState(logger);
let rev = 1;
const kv = (i: number, extra: Record<string, unknown> = {}): KeyValue => {
  rev++;
  return {
    key: `/apisix/routes/${i}`,
    value: JSON.stringify({ id: String(i), ...mixedRoute(i, 18080), ...extra }),
    createRevision: rev,
    modRevision: rev,
    lease: 0,
  };
};
const items: KeyValue[] = [];
for (let i = 0; i < routes; i++) items.push(kv(i));
let t0 = performance.now();
state.reset(items, rev);
console.log(`reset of ${routes} routes: ${(performance.now() - t0).toFixed(0)} ms`);

const events = Array.from({ length: writes }, (_, w) =>
  kv(1 + ((w * 7919) % (routes - 1)), { desc: `w${w}` }),
);
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const parseUs: number[] = [];
for (const e of events) {
  t0 = performance.now();
  JSON.parse(e.value);
  parseUs.push((performance.now() - t0) * 1000);
}
const applyUs: number[] = [];
for (const e of events) {
  t0 = performance.now();
  state.apply(e.modRevision, [{ type: 'put', kv: e }]);
  applyUs.push((performance.now() - t0) * 1000);
}
const q = (a: number[], f: number) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(f * s.length))]!.toFixed(1);
};
const mean = (a: number[]) => (a.reduce((x, y) => x + y, 0) / a.length).toFixed(1);
console.log(`| per write (µs)         | mean | p50 | p99 | max |`);
console.log(`| ---------------------- | ---: | --: | --: | --: |`);
console.log(
  `| baseline: JSON.parse   | ${mean(parseUs)} | ${q(parseUs, 0.5)} | ${q(parseUs, 0.99)} | ${q(parseUs, 1)} |`,
);
console.log(
  `| DataPlaneState.apply   | ${mean(applyUs)} | ${q(applyUs, 0.5)} | ${q(applyUs, 0.99)} | ${q(applyUs, 1)} |`,
);
state.close();
