/** What bench/propagation.ts and bench/propagation-etcd.ts share: their scratch directory, the
 * route they write, and the latency row they print. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { percentile } from './stats.js';

/** A fresh directory under bench/out/ named `<name>-XXXXXX`. */
export function scratchDir(name: string): string {
  const outDir = new URL('./out/', import.meta.url).pathname;
  mkdirSync(outDir, { recursive: true });
  return mkdtempSync(join(outDir, `${name}-`));
}

/** The route value both benchmarks write (one node, so workers build no DNS work). */
export const routeValue = (i: number): string =>
  JSON.stringify({
    uri: `/r/${i}`,
    upstream: { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } },
  });

/** `| name | p50 | p99 | max |` of latencies in ms. */
export function latencyRow(name: string, ms: number[], nameWidth: number, digits: number): string {
  const s = [...ms].sort((a, b) => a - b);
  const f = (x: number): string => x.toFixed(digits).padStart(digits + 5);
  return `| ${name.padEnd(nameWidth)} | ${f(percentile(s, 50))} | ${f(percentile(s, 99))} | ${f(s.at(-1) ?? NaN)} |`;
}
