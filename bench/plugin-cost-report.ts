/**
 * The report of bench/plugin-cost.sh: rows
 * `round<TAB>variant<TAB>req/s<TAB>worker µs CPU/req<TAB>primary % of a core`
 * → per variant the median throughput, the median of its per-round ratio to the `none` route,
 * the median worker CPU per request and the capacity ratio it implies (CPU of `none` / CPU of
 * the variant: the throughput share of a saturated core), and the median share of core 0 the
 * primary took meanwhile.
 */
import { readFileSync } from 'node:fs';
import { median } from './stats.js';

const rows = readFileSync(process.argv[2]!, 'utf8')
  .trim()
  .split('\n')
  .map((line) => line.split('\t'))
  .map(([round, variant, rps, cpu, primary]) => ({
    round: Number(round),
    variant: variant!,
    rps: Number(rps),
    cpu: Number(cpu),
    primary: Number(primary ?? NaN),
  }));

const none = rows.filter((r) => r.variant === 'none');
const base = new Map(none.map((r) => [r.round, r.rps]));
const baseCpu = median(none.map((r) => r.cpu));
const variants = [...new Set(rows.map((r) => r.variant))];
console.log(
  '| route | plugins | req/s (median) | vs no plugins (per-round ratios, median) | worker µs CPU/req (median) | capacity vs no plugins (CPU ratio) | primary % of a core (median) |',
);
console.log('|---|---|---:|---:|---:|---:|---:|');
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
  const cpu = median(mine.map((r) => r.cpu));
  const primary = median(mine.map((r) => r.primary));
  console.log(
    `| /${v} | ${label[v] ?? v} | ${rps.toFixed(0)} | ${(ratio * 100).toFixed(1)} % | ` +
      `${cpu.toFixed(1)} | ${((baseCpu / cpu) * 100).toFixed(1)} % | ${primary.toFixed(1)} |`,
  );
}
