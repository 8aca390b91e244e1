/**
 * Rewrites a JSON schema (a copy; the original is what GET /apisix/admin/schema serves) so that
 * ajv, which stops at its first error, stops at the error api7/jsonschema would report:
 *
 * - api7 checks a node's keywords in a fixed order (type, properties, required, dependencies,
 *   additional properties, arrays, strings, numbers, enum, allOf, anyOf, oneOf, if, not, format,
 *   const) while ajv runs combinators before `properties`. Each multi-keyword node becomes a
 *   synthetic `allOf` of one-group parts, in api7's order.
 * - APISIX skips validation of a property or array item whose value is a secret reference
 *   (`$secret://`, `$env://`), so each property and item schema is wrapped in
 *   `if secret-ref then true else <schema>`.
 *
 * Both wrappers carry a `$comment` marker so the message builder can see through them.
 */
import { isSchema, mapSubSchemas, type Schema } from './schema-walk.js';

export const SYNTHETIC_ALLOF = 'gatehouse:ordered';
export const SECRET_WRAPPER = 'gatehouse:secret-ref';

/** APISIX `secret.is_secret_ref`: `$secret://` as is, `$env://` in any case. */
export const SECRET_REF_PATTERN = '^(\\$secret://|\\$[eE][nN][vV]://)';

const SECRET_REF_SCHEMA: Schema = { type: 'string', pattern: SECRET_REF_PATTERN };

/** Keyword groups in the order api7/jsonschema evaluates them. */
const GROUPS: readonly (readonly string[])[] = [
  ['type'],
  ['properties'],
  ['required'],
  ['dependencies'],
  ['patternProperties', 'additionalProperties'],
  ['minProperties', 'maxProperties'],
  ['minItems', 'maxItems'],
  ['items', 'additionalItems'],
  ['uniqueItems'],
  ['minLength', 'maxLength'],
  ['pattern'],
  ['minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum', 'multipleOf'],
  ['enum'],
  ['allOf'],
  ['anyOf'],
  ['oneOf'],
  ['if', 'then', 'else'],
  ['not'],
  ['format'],
  ['const'],
  ['contains'],
];

function mapValues(obj: Schema, fn: (v: unknown) => unknown): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(obj)) out[k] = fn(v);
  return out;
}

function wrapSecret(sub: unknown): unknown {
  if (!isSchema(sub)) return sub;
  return { $comment: SECRET_WRAPPER, if: SECRET_REF_SCHEMA, then: true, else: orderSchema(sub) };
}

/** Transform the sub-schemas a keyword holds, leaving data-valued keywords (enum, const) alone. */
function transformKeyword(key: string, value: unknown): unknown {
  if (key === 'properties') return isSchema(value) ? mapValues(value, wrapSecret) : value;
  // APISIX skips array items too (`certs: ["$env://CERTS"]` is a valid SSL object).
  if (key === 'items') return Array.isArray(value) ? value.map(wrapSecret) : wrapSecret(value);
  return mapSubSchemas(key, value, orderSchema);
}

/** A copy of `schema` ordered and secret-aware for ajv (see the file comment). */
export function orderSchema(schema: unknown): unknown {
  if (!isSchema(schema)) return schema;
  const parts: Schema[] = [];
  const used = new Set<string>();
  for (const group of GROUPS) {
    const part: Schema = {};
    for (const key of group) {
      if (key in schema) {
        part[key] = transformKeyword(key, schema[key]);
        used.add(key);
      }
    }
    // ajv reads `additionalProperties` against its sibling `properties`: give it their names.
    if ('additionalProperties' in part && isSchema(schema.properties)) {
      part.properties = mapValues(schema.properties, () => true);
    }
    if (Object.keys(part).length > 0) parts.push(part);
  }
  const rest: Schema = {};
  for (const [k, v] of Object.entries(schema)) if (!used.has(k)) rest[k] = v;
  if (parts.length <= 1) return { ...rest, ...(parts[0] ?? {}) };
  return { ...rest, $comment: SYNTHETIC_ALLOF, allOf: parts };
}
