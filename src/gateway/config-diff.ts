import { isDeepStrictEqual } from 'node:util';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The dotted key paths whose values differ between two config documents. Arrays count as one
 * value (config.yaml replaces arrays whole), so `plugins` is reported once, not per item.
 *
 * @example
 *   changedKeys({ a: { b: 1 } }, { a: { b: 2 }, c: 3 }); // ['a.b', 'c']
 */
export function changedKeys(before: unknown, after: unknown, prefix = ''): string[] {
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys]
      .sort()
      .flatMap((key) =>
        changedKeys(before[key], after[key], prefix === '' ? key : `${prefix}.${key}`),
      );
  }
  return isDeepStrictEqual(before, after) ? [] : [prefix === '' ? '(whole document)' : prefix];
}
