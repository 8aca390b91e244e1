/**
 * The mocking plugin's random documents (APISIX `apisix/plugins/mocking.lua` `gen_*`): a value
 * for each `type` of a JSON schema, the property's `example` when it has the right type. The
 * schema is walked once into a generator; a request only draws random values.
 */

type Value = string | number | boolean | Value[] | { [k: string]: Value };
/** Draws a value; undefined leaves the property (or array item) out, as Lua's nil does. */
export type Generator = () => Value | undefined;

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** An integer in [min, max], both included (Lua's math.random(m, n)). */
const randomInt = (min: number, max: number): number =>
  min + Math.floor(Math.random() * (max - min + 1));

function randomString(): string {
  let s = '';
  for (let n = randomInt(1, 10); n > 0; n--) s += String.fromCharCode(randomInt(97, 122));
  return s;
}

function scalar(type: string, example: unknown): Generator | undefined {
  switch (type) {
    case 'string':
      return typeof example === 'string' ? () => example : randomString;
    case 'number':
      return typeof example === 'number' ? () => example : () => Math.random() * 10000;
    case 'integer': {
      if (typeof example !== 'number') return () => randomInt(1, 10000);
      const whole = Math.floor(example);
      return () => whole;
    }
    case 'boolean':
      return typeof example === 'boolean' ? () => example : () => Math.random() < 0.5;
    default:
      return undefined;
  }
}

/** An object of the schema's `properties` (an object without them is `{}`). */
export function objectGenerator(schema: Record<string, unknown>): () => Record<string, Value> {
  const fields: Array<[string, Generator]> = [];
  if (isObject(schema.properties)) {
    for (const [name, sub] of Object.entries(schema.properties)) {
      fields.push([name, propertyGenerator(sub)]);
    }
  }
  return () => {
    const out: Record<string, Value> = {};
    for (const [name, gen] of fields) {
      const v = gen();
      if (v !== undefined) out[name] = v;
    }
    return out;
  };
}

function arrayGenerator(schema: Record<string, unknown>): Generator {
  if (schema.items === undefined) return () => undefined;
  const item = propertyGenerator(schema.items);
  return () => {
    const out: Value[] = [];
    for (let n = randomInt(1, 3); n > 0; n--) {
      const v = item();
      if (v !== undefined) out.push(v);
    }
    return out;
  };
}

function propertyGenerator(schema: unknown): Generator {
  if (!isObject(schema) || typeof schema.type !== 'string') return () => undefined;
  const type = schema.type.toLowerCase();
  if (type === 'array') return arrayGenerator(schema);
  if (type === 'object') return objectGenerator(schema);
  return scalar(type, schema.example) ?? (() => undefined);
}

/**
 * A document as XML the way APISIX's xml2lua 1.6 writes it: rooted at `<data>`, two spaces of
 * indent per level, array items repeated under their property's name, an empty value as
 * `<name/>`, and, quirk kept, an object with a single property written as its value alone
 * under the root name.
 */
export function toXml(doc: Record<string, Value>): string {
  const lines: string[] = [];
  const keys = Object.keys(doc);
  const only = keys.length === 1 ? doc[keys[0]!] : undefined;
  writeXml(only ?? doc, 'data', 0, lines);
  return lines.join('\n');
}

function writeXml(value: Value, tag: string, level: number, lines: string[]): void {
  const pad = '  '.repeat(level);
  if (Array.isArray(value)) {
    if (value.length === 0) lines.push(`${pad}<${tag}/>`);
    for (const item of value) writeXml(item, tag, level, lines);
    return;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) {
      lines.push(`${pad}<${tag}/>`);
      return;
    }
    lines.push(`${pad}<${tag}>`);
    for (const [k, v] of entries) writeXml(v, k, level + 1, lines);
    lines.push(`${pad}</${tag}>`);
    return;
  }
  const text = String(value);
  lines.push(text === '' ? `${pad}<${tag}/>` : `${pad}<${tag}>${text}</${tag}>`);
}
