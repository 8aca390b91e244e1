/**
 * The `headers` attribute of proxy-rewrite and response-rewrite: either `{add, set, remove}` or
 * the older flat map `{name: value}` (= set), told apart as APISIX does, and the extra checks
 * APISIX runs on the flat form.
 */

/** Header name pattern both plugins' schemas use: anything but a colon. */
export const HEADER_NAME = '^[^:]+$';

const scalar = { oneOf: [{ type: 'string' }, { type: 'number' }] };

/** `{name: string | number}`, at least one entry: the flat form, and response-rewrite's `set`. */
export const FLAT_HEADERS_SCHEMA = {
  type: 'object',
  minProperties: 1,
  patternProperties: { [HEADER_NAME]: scalar },
};

export const REMOVE_HEADERS_SCHEMA = {
  type: 'array',
  minItems: 1,
  items: { type: 'string', pattern: HEADER_NAME },
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Whether `headers` is the `{add, set, remove}` form (APISIX `is_new_headers_conf`). */
export function isOperationsForm(headers: unknown): boolean {
  if (!isObject(headers)) return false;
  return isObject(headers['add']) || isObject(headers['set']) || isObject(headers['remove']);
}

/**
 * APISIX `check_set_headers` on the flat form. `strict` adds proxy-rewrite's character checks
 * (field: visible ASCII but `:`; value: no control or non-ASCII byte). A schema whose branches
 * do not all say `type: object` (response-rewrite's) lets any JSON value reach this check.
 */
export function checkFlatHeaders(headers: unknown, strict: boolean): string | undefined {
  if (!isObject(headers)) {
    return `property "headers" validation failed: wrong type: expected object, got ${headers === null ? 'null' : typeof headers}`;
  }
  // A Lua array's keys are numbers.
  if (Array.isArray(headers) && headers.length > 0) return 'invalid type as header field';
  for (const [field, value] of Object.entries(headers)) {
    if (typeof value !== 'string' && typeof value !== 'number') {
      return 'invalid type as header value';
    }
    if (field.length === 0) return 'invalid field length in header';
    if (!strict) continue;
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(field)) return 'invalid field character in header';
    if (typeof value === 'string' && !/^[\x20-\x7e]*$/.test(value)) {
      return 'invalid value character in header';
    }
  }
  return undefined;
}
