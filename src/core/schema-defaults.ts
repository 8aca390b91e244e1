/**
 * Schema `default` injection the way api7/jsonschema does it while validating: a property that is
 * absent from an object gets its schema's default; objects that are absent are never created, so
 * nested defaults only appear under sub-objects that exist. Combinator branches inject their
 * defaults only when the branch matches (`matches` is the caller's validator).
 */

export type Matcher = (schema: unknown, value: unknown) => boolean;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fill(schema: unknown, value: unknown, matches: Matcher): void {
  if (!isObject(schema)) return;
  if (isObject(value)) {
    const props = isObject(schema.properties) ? schema.properties : {};
    for (const [name, sub] of Object.entries(props)) {
      if (value[name] !== undefined) fill(sub, value[name], matches);
      else if (isObject(sub) && sub.default !== undefined)
        value[name] = structuredClone(sub.default);
    }
    if (isObject(schema.patternProperties)) {
      for (const [pattern, sub] of Object.entries(schema.patternProperties)) {
        const re = new RegExp(pattern);
        for (const [k, v] of Object.entries(value)) if (re.test(k)) fill(sub, v, matches);
      }
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => {
      const sub = Array.isArray(schema.items) ? (schema.items as unknown[])[i] : schema.items;
      fill(sub, item, matches);
    });
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches) {
      if (key === 'allOf' || matches(branch, value)) {
        fill(branch, value, matches);
        if (key === 'anyOf') break;
      }
    }
  }
  if (schema.if !== undefined) {
    fill(matches(schema.if, value) ? schema.then : schema.else, value, matches);
  }
}

/** A deep copy of `value` with `schema`'s defaults filled in (never mutates its arguments). */
export function applyDefaults<T>(schema: unknown, value: T, matches: Matcher): T {
  const copy = structuredClone(value);
  fill(schema, copy, matches);
  return copy;
}
