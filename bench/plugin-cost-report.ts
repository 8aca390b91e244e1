/**
 * The report of bench/plugin-cost.sh: rows `round<TAB>variant<TAB>req/s` → per variant the
 * median throughput and the median of its per-round ratio to the `none` route.
 */
import { readFileSync } from 'node:fs';
import { median } from './stats.js';

const rows = readFileSync(process.argv[2]!, 'utf8')
  .trim()
  .split('\n')
  .map((line) => line.split('\t'))
  .map(([round, variant, rps]) => ({ round: Number(round), variant: variant!, rps: Number(rps) }));

const base = new Map(rows.filter((r) => r.variant === 'none').map((r) => [r.round, r.rps]));
const variants = [...new Set(rows.map((r) => r.variant))];
console.log('| route | plugins | req/s (median) | vs no plugins (median of per-round ratios) |');
console.log('|---|---|---|---|');
const label: Record<string, string> = {
  none: '—',
  all: 'key-auth + limit-count (local) + prometheus',
  'key-auth': 'key-auth',
  'limit-count': 'limit-count (local)',
  prometheus: 'prometheus',
};
for (const v of variants) {
  const mine = rows.filter((r) => r.variant === v);
  const ratios = mine.map((r) => r.rps / (base.get(r.round) ?? NaN));
  const rps = median(mine.map((r) => r.rps));
  const ratio = median(ratios);
  console.log(`| /${v} | ${label[v] ?? v} | ${rps.toFixed(0)} | ${(ratio * 100).toFixed(1)} % |`);
}
