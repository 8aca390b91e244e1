import { badRequest } from './errors.js';
import { isObject } from './store-view.js';

type Json = Record<string, unknown>;

/**
 * PATCH's merge (APISIX `core.table.merge`): objects merge recursively, an array on either
 * side replaces the old value, and JSON null deletes the key. Returns a new object.
 */
export function deepMerge(target: Json, patch: Json): Json {
  const out: Json = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const old = own(out, key);
    if (value === null) delete out[key];
    else if (isObject(value) && isObject(old)) setOwn(out, key, deepMerge(old, value));
    else setOwn(out, key, value);
  }
  return out;
}

/**
 * Sub-path PATCH (`PATCH /routes/1/upstream/nodes`): `value` replaces whatever is at `path`;
 * missing intermediate objects are created; a non-object on the way is `invalid sub-path`.
 * Returns a new object; `target` is not changed.
 */
export function patchPath(target: Json, path: readonly string[], value: unknown): Json {
  const root: Json = structuredClone(target);
  let node: Json = root;
  for (let i = 0; i < path.length - 1; i++) {
    const name = path[i] ?? '';
    if (own(node, name) === undefined) setOwn(node, name, {});
    const next = own(node, name);
    if (!isObject(next)) throw badRequest(`invalid sub-path: /${path.slice(0, i + 1).join('/')}`);
    node = next;
  }
  const last = path[path.length - 1];
  if (last !== undefined) setOwn(node, last, value);
  return root;
}

/**
 * Keys come from the client (`__proto__`, `constructor`): they are read and written as own
 * properties, as JSON.parse makes them, never through the prototype chain. `obj[key] = v` with
 * key `__proto__` would replace the prototype, and a sub-path through an inherited object would
 * write into Object.prototype itself.
 */
function own(obj: Json, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function setOwn(obj: Json, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}
