/**
 * nginx's time syntax, as ngx_parse_time reads it: a number of seconds (`60`), or numbers with
 * units in descending order, concatenated (`500ms`, `60s`, `1m30s`, `1h`). APISIX writes the
 * config.yaml value into nginx.conf verbatim, so this is what a value must be to start there.
 */

/** Units from the largest down: a unit may follow only a larger one (`1m30s`, not `30s1m`). */
const UNITS: readonly (readonly [string, number])[] = [
  ['y', 365 * 86_400_000],
  ['M', 30 * 86_400_000],
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];
const SECONDS = UNITS.findIndex(([u]) => u === 's');
const PART = /(\d+)(ms|[yMwdhms])?/y;

/** Milliseconds, or undefined when `value` is not an nginx time. */
export function nginxTimeMs(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? value * 1000 : undefined;
  }
  if (typeof value !== 'string' || value === '') return undefined;
  let total = 0;
  let last = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < value.length) {
    const m = PART.exec(value);
    if (m === null) return undefined;
    // A bare number counts as seconds, and only at the end (`1m30` is 90 s).
    const unit = m[2] === undefined ? SECONDS : UNITS.findIndex(([u]) => u === m[2]);
    if (unit <= last || (m[2] === undefined && PART.lastIndex < value.length)) return undefined;
    last = unit;
    total += Number(m[1]) * UNITS[unit]![1];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}
