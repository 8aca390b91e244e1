/** The figures every benchmark reports; one definition so that tables compare alike. */

/** The value at percentile `p` (0–100) of an ascending array (nearest rank, no interpolation). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

/** The median of unsorted values, the mean of the two middle ones for an even count. */
export function medianOfMiddle(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length / 2;
  return s.length % 2 === 1 ? s[Math.floor(m)]! : (s[m - 1]! + s[m]!) / 2;
}

/** The median of unsorted values (the upper middle one for an even count). */
export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}
