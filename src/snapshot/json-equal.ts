/**
 * Whether two JSON values (what JSON.parse returns) are equal, compared structurally: objects by
 * their own keys regardless of order, arrays element by element.
 *
 * @example jsonEqual({ a: [1, 'x'] }, { a: [1, 'x'] }) // true
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(y, key) || !jsonEqual(x[key], y[key])) return false;
  }
  return true;
}
