import { isIPv4, isIPv6 } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import { GatehouseError } from './errors.js';
import { schemaDefaults } from './schema-defaults.js';
import { apisixMessage } from './schema-messages.js';
import { schemaParts } from './schema-parts.js';
import { holdsSecretRef } from './secret-ref.js';
import { orderSchema } from './schema-transform.js';

/**
 * JSON-schema validation with APISIX's error texts (api7/jsonschema wording), over ajv.
 * Schemas are compiled once per schema object and cached.
 *
 * @example
 *   const err = validateSchema({ type: 'object', properties: { uri: { type: 'string' } } }, body);
 *   // 'property "uri" validation failed: wrong type: expected string, got number'
 */

export type Schema = Record<string, unknown>;

/** api7/jsonschema's format checks; ipv4/ipv6 use Node's parser as APISIX uses resty's. */
const FORMATS: Record<string, RegExp | ((s: string) => boolean)> = {
  ipv4: (s) => isIPv4(s),
  ipv6: (s) => isIPv6(s),
  email: /^([A-Za-z0-9_\-.])+@([A-Za-z0-9_\-.])+\.([A-Za-z]{2,4})$/,
  hostname: /^[a-zA-Z0-9\-.]+$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  date: /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/,
  'date-time':
    /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[Tt](?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/,
  uri: /^[a-zA-Z][a-zA-Z0-9+\-.]*:[^\s]*$/,
};

const OPTIONS = {
  allErrors: false,
  // APISIX schemas use draft-4/7 leftovers and unknown keywords (`encrypt_fields`, titles...).
  strict: false,
  // PCRE-like patterns such as `[0-9-_.]` are invalid under the `u` flag.
  unicodeRegExp: false,
  formats: FORMATS,
  logger: false,
  addUsedSchema: false,
  // ajv's optimization passes over the generated code take half of a compilation (the route
  // schema: ~185 → ~80 ms), and a worker compiles a kind's schema on its first item of that kind,
  // with every request waiting (bench/first-apply-stall.ts). Validation runs as fast without them
  // (a route body: 5.7-6.4 µs either way) and gives the same errors.
  code: { optimize: false },
} as const;

/** Validators of the APISIX-ordered, secret-aware copies: the answers and their errors. */
const ajv = new Ajv({ ...OPTIONS, verbose: true });

/**
 * Yes/no validators of the schemas as written, in parts (schema-parts.ts). For a value that holds
 * no secret reference their answer is the ordered copy's: ordering only changes which error comes
 * first, and every secret wrapper takes its `else` branch, the property's own schema.
 */
const plainOf = schemaParts(new Ajv({ ...OPTIONS, messages: false, inlineRefs: false }));

interface Compiled {
  ordered: unknown;
  fn: ValidateFunction;
}

const cache = new WeakMap<object, Compiled>();
const plainCache = new WeakMap<object, ValidateFunction | null>();

function compiled(schema: object): Compiled {
  let entry = cache.get(schema);
  if (entry === undefined) {
    const ordered = orderSchema(schema);
    try {
      entry = { ordered, fn: ajv.compile(ordered as Schema) };
    } catch (err) {
      throw new GatehouseError(
        'GH_ERR_PLUGIN_INVALID',
        `invalid JSON schema: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    cache.set(schema, entry);
  }
  return entry;
}

/** The plain validator of `schema`, or null when only the ordered copy can answer. */
function plain(schema: object): ValidateFunction | null {
  let fn = plainCache.get(schema);
  if (fn === undefined) {
    try {
      fn = plainOf(schema) ?? null;
    } catch {
      // A schema ajv rejects: the ordered copy's compilation reports it as before.
      fn = null;
    }
    plainCache.set(schema, fn);
  }
  return fn;
}

/** The answer for `value`; only an ordered copy's `false` leaves errors to read. */
function passes(schema: object, value: unknown): boolean {
  const fn = plain(schema);
  if (fn !== null && !holdsSecretRef(value)) return fn(value);
  return compiled(schema).fn(value);
}

/**
 * Validates `value` against `schema`; returns the APISIX-style message of the first error, or
 * undefined when valid. Never mutates `value`. Throws GH_ERR_PLUGIN_INVALID for a bad schema.
 */
export function validateSchema(schema: object, value: unknown): string | undefined {
  if (passes(schema, value)) return undefined;
  const { ordered, fn } = compiled(schema);
  if (fn(value)) return undefined;
  // Combinators (anyOf, oneOf) push their own error after their branches' errors: the last
  // error is the one api7 reports.
  const err = fn.errors?.at(-1);
  return err === undefined ? 'invalid value' : apisixMessage(ordered, err);
}

/** True when `value` passes `schema`. */
export function matchesSchema(schema: unknown, value: unknown): boolean {
  if (schema === true || schema === undefined) return true;
  if (schema === false || typeof schema !== 'object' || schema === null) return false;
  return passes(schema, value);
}

const defaults = schemaDefaults(matchesSchema);

/**
 * A deep copy of `value` with the schema's `default`s filled in as api7/jsonschema does (only
 * inside objects that exist). Used when values are loaded, never when they are stored.
 */
export function withSchemaDefaults<T>(schema: object, value: T): T {
  return defaults.apply(schema, value);
}
