import { jsonClone } from './json-clone.js';

/**
 * Schema `default` injection the way api7/jsonschema does it while validating: a property that is
 * absent from an object gets its schema's default; objects that are absent are never created, so
 * nested defaults only appear under sub-objects that exist. Combinator branches inject their
 * defaults only when the branch matches (`matches` is the caller's validator).
 *
 * Each schema node is compiled once into a filler, a function that does that node's steps in
 * api7's order (properties, patternProperties, items, allOf, anyOf, oneOf, if) and skips the
 * sub-schemas that hold no default at all: filling them could change nothing, and `matches` has
 * no side effects. Schemas are treated as immutable once used, as the validator's cache does.
 */

export type Matcher = (schema: unknown, value: unknown) => boolean;

/** Fills defaults into `value` in place. */
type Filler = (value: unknown) => void;

/** The filler of a node with no default anywhere below it. */
const NOTHING: Filler = () => undefined;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Defaults injection for one validator: `apply(schema, value)` returns a deep copy of `value`
 * with `schema`'s defaults filled in (never mutating its arguments).
 *
 * @example
 *   const defaults = schemaDefaults(matchesSchema);
 *   defaults.apply({ properties: { n: { default: 1 } } }, {}); // { n: 1 }
 */
export function schemaDefaults(matches: Matcher): { apply<T>(schema: unknown, value: T): T } {
  const fillers = new WeakMap<object, Filler>();

  function fillerOf(schema: unknown): Filler {
    if (!isObject(schema)) return NOTHING;
    const known = fillers.get(schema);
    if (known !== undefined) return known;
    // A schema that contains itself: its inner uses call the filler compiled below.
    let compiled: Filler = NOTHING;
    fillers.set(schema, (value) => compiled(value));
    compiled = compile(schema);
    fillers.set(schema, compiled);
    return compiled;
  }

  function compile(schema: Record<string, unknown>): Filler {
    const steps = [
      objectStep(schema),
      itemsStep(schema.items),
      allOfStep(schema.allOf),
      anyOfStep(schema.anyOf),
      oneOfStep(schema.oneOf),
      ifStep(schema),
    ].filter((s): s is Filler => s !== undefined);
    if (steps.length === 0) return NOTHING;
    if (steps.length === 1) return steps[0] as Filler;
    return (value) => {
      for (const step of steps) step(value);
    };
  }

  /** `properties` (fill or inject each), then `patternProperties`, on an object value. */
  function objectStep(schema: Record<string, unknown>): Filler | undefined {
    const props: { name: string; fill: Filler; inject: boolean; value: unknown }[] = [];
    if (isObject(schema.properties)) {
      for (const [name, sub] of Object.entries(schema.properties)) {
        const fill = fillerOf(sub);
        const inject = isObject(sub) && sub.default !== undefined;
        if (fill !== NOTHING || inject) {
          props.push({
            name,
            fill,
            inject,
            value: inject ? (sub as { default: unknown }).default : undefined,
          });
        }
      }
    }
    const patterns: { source: string; re: RegExp | undefined; fill: Filler }[] = [];
    if (isObject(schema.patternProperties)) {
      for (const [source, sub] of Object.entries(schema.patternProperties)) {
        const fill = fillerOf(sub);
        if (fill !== NOTHING) patterns.push({ source, re: undefined, fill });
      }
    }
    if (props.length === 0 && patterns.length === 0) return undefined;
    return (value) => {
      if (!isObject(value)) return;
      for (const p of props) {
        const current = value[p.name];
        if (current !== undefined) p.fill(current);
        else if (p.inject) value[p.name] = cloneDefault(p.value);
      }
      for (const p of patterns) {
        const re = (p.re ??= new RegExp(p.source));
        for (const [k, v] of Object.entries(value)) if (re.test(k)) p.fill(v);
      }
    };
  }

  function itemsStep(items: unknown): Filler | undefined {
    if (items === undefined) return undefined;
    if (Array.isArray(items)) {
      const fills = items.map(fillerOf);
      if (fills.every((f) => f === NOTHING)) return undefined;
      return (value) => {
        if (!Array.isArray(value)) return;
        value.forEach((item, i) => fills[i]?.(item));
      };
    }
    const fill = fillerOf(items);
    if (fill === NOTHING) return undefined;
    return (value) => {
      if (Array.isArray(value)) value.forEach((item) => fill(item));
    };
  }

  function allOfStep(branches: unknown): Filler | undefined {
    if (!Array.isArray(branches)) return undefined;
    const fills = branches.map(fillerOf).filter((f) => f !== NOTHING);
    if (fills.length === 0) return undefined;
    return (value) => {
      for (const fill of fills) fill(value);
    };
  }

  /** The first matching branch fills; branches after the last one with defaults cannot matter. */
  function anyOfStep(branches: unknown): Filler | undefined {
    if (!Array.isArray(branches)) return undefined;
    const all = branches.map((schema: unknown) => ({ schema, fill: fillerOf(schema) }));
    let last = all.length - 1;
    while (last >= 0 && all[last]?.fill === NOTHING) last--;
    if (last < 0) return undefined;
    const used = all.slice(0, last + 1);
    return (value) => {
      for (const b of used) {
        if (matches(b.schema, value)) {
          b.fill(value);
          return;
        }
      }
    };
  }

  /** Every matching branch fills, each matched against the value as the ones before left it. */
  function oneOfStep(branches: unknown): Filler | undefined {
    if (!Array.isArray(branches)) return undefined;
    const used = branches
      .map((schema: unknown) => ({ schema, fill: fillerOf(schema) }))
      .filter((b) => b.fill !== NOTHING);
    if (used.length === 0) return undefined;
    return (value) => {
      for (const b of used) if (matches(b.schema, value)) b.fill(value);
    };
  }

  function ifStep(schema: Record<string, unknown>): Filler | undefined {
    if (schema.if === undefined) return undefined;
    const then = fillerOf(schema.then);
    const otherwise = fillerOf(schema.else);
    if (then === NOTHING && otherwise === NOTHING) return undefined;
    const cond = schema.if;
    return (value) => (matches(cond, value) ? then : otherwise)(value);
  }

  return {
    apply<T>(schema: unknown, value: T): T {
      const copy = jsonClone(value);
      fillerOf(schema)(copy);
      return copy;
    },
  };
}

/** A default is injected as a copy, so no two values share it (primitives need none). */
function cloneDefault(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}
