/**
 * A deep copy of a JSON value (what JSON.parse returns: plain objects, arrays, strings, numbers,
 * booleans, null), as structuredClone would make it but several times cheaper for the small
 * values the Admin API and the loaders copy (structuredClone serializes and deserializes).
 * Anything that is not plain JSON (a Date, a Map, a class instance, a null-prototype object, a
 * function) sends the whole value to structuredClone, so the result (or the error) is its own.
 * Unlike structuredClone, an object referenced twice in `value` is copied twice (JSON has no
 * shared references) and an array's properties other than its elements are not copied.
 *
 * @example
 *   const copy = jsonClone(JSON.parse(body) as unknown);
 */
export function jsonClone<T>(value: T): T {
  try {
    return copy(value) as T;
  } catch (err) {
    if (err !== NOT_JSON) throw err;
    return structuredClone(value);
  }
}

/** Thrown inside copy() when a node is not plain JSON; never escapes jsonClone. */
const NOT_JSON = new Error('not a JSON value');

function copy(value: unknown): unknown {
  if (typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') throw NOT_JSON;
    return value;
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) throw NOT_JSON;
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) throw NOT_JSON; // a hole: structuredClone keeps it
      out[i] = copy(value[i]);
    }
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) throw NOT_JSON;
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(src)) {
    const v = copy(src[key]);
    // JSON.parse makes `__proto__` an own property; assigning it would set the prototype.
    if (key === '__proto__') {
      Object.defineProperty(out, key, {
        value: v,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else {
      out[key] = v;
    }
  }
  return out;
}
