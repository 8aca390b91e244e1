import type { Ajv, ValidateFunction } from 'ajv';
import { isSchema, mapSubSchemas, type Schema } from './schema-walk.js';

/**
 * Yes/no validators of schemas as they are written, each compiled as parts: every sub-schema of
 * at least `MIN_PART_NODES` objects is compiled on its own and called through a `$ref` (the
 * Ajv instance needs `inlineRefs: false`), once per sub-schema object, whichever schemas hold it.
 *
 * Why: ajv compiles a schema into one function, and the route schema's was too large for V8 to
 * ever optimize, so every Admin write and every apply ran it as baseline code. Parts stay small
 * enough to be optimized, and the upstream schema (inside routes, services, stream routes, and
 * upstreams themselves) and its health checks are compiled once instead of once per kind.
 *
 * Schemas this cannot compile part by part as written (see `PLAIN_UNSAFE`) get `undefined`.
 *
 * @example
 *   const plainOf = schemaParts(new Ajv({ inlineRefs: false, strict: false }));
 *   plainOf(ROUTE_SCHEMA)?.(body); // true or false; errors are not for reading
 */

/** Below this many objects a sub-schema is compiled into its parent's function. */
const MIN_PART_NODES = 8;

/**
 * Keywords that make the plain schema unusable here: references and identifiers (a `#/...`
 * reference breaks once its sub-schema is compiled apart), and keywords that ajv reads together
 * with a sibling keyword, where the APISIX-ordered copy (schema-transform.ts) may have split the
 * two, so its answer and the plain schema's could differ.
 */
const PLAIN_UNSAFE = new Set([
  '$ref',
  '$id',
  '$schema',
  '$defs',
  'definitions',
  '$recursiveRef',
  '$dynamicRef',
  'nullable',
  'discriminator',
  'minContains',
  'maxContains',
  'unevaluatedProperties',
  'unevaluatedItems',
]);

/** Objects in a JSON value, itself included. */
function objectCount(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + objectCount(x), 0);
  if (!isSchema(v)) return 0;
  let n = 1;
  for (const x of Object.values(v)) n += objectCount(x);
  return n;
}

/** True when a schema node or one below it uses a `PLAIN_UNSAFE` keyword. */
function usesUnsafe(schema: unknown): boolean {
  if (!isSchema(schema)) return false;
  let found = false;
  const visit = (sub: unknown): unknown => {
    found ||= usesUnsafe(sub);
    return sub;
  };
  for (const [key, value] of Object.entries(schema)) {
    if (PLAIN_UNSAFE.has(key)) return true;
    mapSubSchemas(key, value, visit);
    if (found) return true;
  }
  return false;
}

export function schemaParts(ajv: Ajv): (schema: object) => ValidateFunction | undefined {
  const ids = new WeakMap<object, string>();
  const safe = new WeakMap<object, boolean>();
  let next = 0;

  /** Registers `schema` (its big sub-schemas first) under a fresh id, once. */
  function idOf(schema: Schema): string {
    let id = ids.get(schema);
    if (id === undefined) {
      const body: Schema = {};
      for (const [key, value] of Object.entries(schema)) {
        body[key] = mapSubSchemas(key, value, (sub) =>
          isSchema(sub) && objectCount(sub) >= MIN_PART_NODES ? { $ref: idOf(sub) } : sub,
        );
      }
      id = `gatehouse-part-${++next}`;
      ajv.addSchema(body, id);
      ids.set(schema, id);
    }
    return id;
  }

  return (schema) => {
    let ok = safe.get(schema);
    if (ok === undefined) {
      ok = !usesUnsafe(schema);
      safe.set(schema, ok);
    }
    return ok ? ajv.getSchema(idOf(schema as Schema)) : undefined;
  };
}
