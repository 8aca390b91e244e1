/** A JSON Schema node (an object; `true`/`false` schemas are not walked into). */
export type Schema = Record<string, unknown>;

export function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The sub-schemas a keyword holds, rebuilt by `fn`; data-valued keywords (`enum`, `const`,
 * `required`, ...) come back as they are.
 *
 * @example
 *   mapSubSchemas('items', [{ type: 'string' }], strip) // [strip({ type: 'string' })]
 */
export function mapSubSchemas(key: string, value: unknown, fn: (sub: unknown) => unknown): unknown {
  switch (key) {
    case 'properties':
    case 'patternProperties':
    case 'dependencies': {
      if (!isSchema(value)) return value;
      const out: Schema = {};
      for (const [k, v] of Object.entries(value)) out[k] = fn(v);
      return out;
    }
    case 'items':
    case 'allOf':
    case 'anyOf':
    case 'oneOf':
      return Array.isArray(value) ? value.map(fn) : fn(value);
    case 'additionalProperties':
    case 'additionalItems':
    case 'not':
    case 'if':
    case 'then':
    case 'else':
    case 'contains':
      return fn(value);
    default:
      return value;
  }
}
