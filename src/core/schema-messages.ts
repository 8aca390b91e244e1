import type { ErrorObject } from 'ajv';
import { SECRET_WRAPPER, SYNTHETIC_ALLOF } from './schema-transform.js';

/**
 * Turns ajv's first error into the text api7/jsonschema (APISIX's validator) would produce, so
 * Admin API error bodies match APISIX byte for byte: `property "upstream" validation failed:
 * property "nodes" validation failed: ...`.
 */

type Schema = Record<string, unknown>;

/** Lua's `%q`: what api7 uses to quote property names, patterns and values. */
export function luaQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\0') out += '\\0';
    else out += ch;
  }
  return `${out}"`;
}

/** Lua's `type()` of a decoded JSON value (arrays and objects are both tables; null is cjson.null). */
function luaType(v: unknown): string {
  if (v === null) return 'userdata';
  if (typeof v === 'object') return 'table';
  return typeof v;
}

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function uriDecoded(token: string): string {
  try {
    return decodeURIComponent(token);
  } catch {
    return token;
  }
}

function decodePointer(path: string): string[] {
  if (path === '') return [];
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function itemOf(tokens: string[]): string {
  return tokens.shift() ?? '';
}

function requiresText(branches: unknown): string {
  if (!Array.isArray(branches)) return '';
  const required = branches
    .filter((b): b is Schema => isSchema(b) && Array.isArray(b.required))
    .map((b) => JSON.stringify(b.required));
  return required.length > 0 ? `: ${required.join(' or ')}` : '';
}

/** The message of the failing keyword itself (no property prefixes). */
function leafMessage(err: ErrorObject, node: Schema): string {
  const p = err.params as Record<string, unknown>;
  const data: unknown = err.data;
  switch (err.keyword) {
    case 'type': {
      const t = node.type;
      return Array.isArray(t)
        ? `wrong type: expected one of ${t.join(', ')}, got ${luaType(data)}`
        : `wrong type: expected ${String(t)}, got ${luaType(data)}`;
    }
    case 'required':
      return `property ${luaQuote(String(p.missingProperty))} is required`;
    case 'dependencies':
      return `property ${luaQuote(String(p.missingProperty))} is required when ${luaQuote(String(p.property))} is set`;
    case 'additionalProperties':
      return `additional properties forbidden, found ${String(p.additionalProperty)}`;
    case 'minProperties':
      return `expect object to have at least ${String(p.limit)} properties`;
    case 'maxProperties':
      return `expect object to have at most ${String(p.limit)} properties`;
    case 'minItems':
      return `expect array to have at least ${String(p.limit)} items`;
    case 'maxItems':
      return `expect array to have at most ${String(p.limit)} items`;
    case 'additionalItems':
      return 'found unexpected extra items in array';
    case 'uniqueItems':
      return `expected unique items but items ${Number(p.j) + 1} and ${Number(p.i) + 1} are equal`;
    case 'minLength':
      return `string too short, expected at least ${String(p.limit)}, got ${[...String(data)].length}`;
    case 'maxLength':
      return `string too long, expected at most ${String(p.limit)}, got ${[...String(data)].length}`;
    case 'pattern':
      return `failed to match pattern ${luaQuote(String(p.pattern))} with ${luaQuote(String(data))}`;
    case 'minimum':
      return `expected ${String(data)} to be at least ${String(p.limit)}`;
    case 'exclusiveMinimum':
      return `expected ${String(data)} to be greater than ${String(p.limit)}`;
    case 'maximum':
      return `expected ${String(data)} to be at most ${String(p.limit)}`;
    case 'exclusiveMaximum':
      return `expected ${String(data)} to be smaller than ${String(p.limit)}`;
    case 'multipleOf':
      return `expected ${String(data)} to be a multiple of ${String(p.multipleOf)}`;
    case 'enum':
      return 'matches none of the enum values';
    case 'const':
      return 'failed to check const value';
    case 'anyOf':
      return `object matches none of the required${requiresText(node.anyOf)}`;
    case 'oneOf': {
      const passing = p.passingSchemas;
      if (Array.isArray(passing) && passing.length >= 2) {
        return `value should match only one schema, but matches both schemas ${Number(passing[0]) + 1} and ${Number(passing[1]) + 1}`;
      }
      return 'value should match only one schema, but matches none';
    }
    case 'if':
      return `${String(p.failingKeyword)} clause did not match`;
    case 'not':
      return "value wasn't supposed to match schema";
    case 'format':
      return `expect valid ${String(p.format)} format but got: ${String(data)}`;
    case 'contains':
      return 'failed to check contains';
    case 'false schema':
      return 'expect false always';
    default:
      return err.message ?? `failed the ${err.keyword} check`;
  }
}

/**
 * Walk the error's schema path from the root, emitting api7's prefix for each step into a
 * sub-schema (and none for Gatehouse's own wrappers), then append the leaf message.
 */
export function apisixMessage(root: unknown, err: ErrorObject): string {
  // schemaPath is a URI fragment: its tokens are percent-encoded (patternProperties keys).
  const schemaTokens = decodePointer(err.schemaPath.replace(/^#/, '')).map(uriDecoded);
  schemaTokens.pop(); // the failing keyword itself
  const data = decodePointer(err.instancePath);
  let node: unknown = root;
  let prefix = '';
  for (let i = 0; i < schemaTokens.length; i++) {
    const tok = schemaTokens[i] ?? '';
    const here = isSchema(node) ? node : {};
    const marker = here.$comment;
    const next = (): string => schemaTokens[++i] ?? '';
    switch (tok) {
      case 'properties': {
        const name = next();
        prefix += `property ${luaQuote(itemOf(data))} validation failed: `;
        node = isSchema(here.properties) ? here.properties[name] : undefined;
        break;
      }
      case 'patternProperties': {
        const pattern = next();
        prefix += `failed to validate ${itemOf(data)} (matching ${luaQuote(pattern)}): `;
        node = isSchema(here.patternProperties) ? here.patternProperties[pattern] : undefined;
        break;
      }
      case 'additionalProperties':
        prefix += `failed to validate additional property ${itemOf(data)}: `;
        node = here.additionalProperties;
        break;
      case 'items': {
        const tuple = Array.isArray(here.items);
        const index = tuple ? next() : '';
        prefix += `failed to validate item ${Number(itemOf(data)) + 1}: `;
        node = tuple ? (here.items as unknown[])[Number(index)] : here.items;
        break;
      }
      case 'additionalItems':
        prefix += `failed to validate additional item ${Number(itemOf(data)) + 1}: `;
        node = here.additionalItems;
        break;
      case 'dependencies': {
        const name = next();
        prefix += `failed to validate dependent schema for ${luaQuote(name)}: `;
        node = isSchema(here.dependencies) ? here.dependencies[name] : undefined;
        break;
      }
      case 'allOf': {
        const index = Number(next());
        if (marker !== SYNTHETIC_ALLOF) prefix += `allOf ${index + 1} failed: `;
        node = Array.isArray(here.allOf) ? (here.allOf as unknown[])[index] : undefined;
        break;
      }
      case 'then':
      case 'else':
        // ajv stops inside a failing branch; api7 only says which clause failed. The `else` of
        // a secret-reference wrapper is the property's real schema: keep walking into it.
        if (marker !== SECRET_WRAPPER) return `${prefix}${tok} clause did not match`;
        node = here.else;
        break;
      default:
        node = here[tok];
    }
  }
  return prefix + leafMessage(err, isSchema(node) ? node : {});
}
