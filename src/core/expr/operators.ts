import { parseIpList } from './ip-list.js';
import { luaToNumber } from './lua-number.js';
import { toJsRegExp } from './pcre.js';
import type { RequestVars } from './request-vars.js';

/** One compiled comparison: reads its variable and answers, never throws for any input. */
export type Predicate = (vars: RequestVars) => boolean;

export const OPERATORS: ReadonlySet<string> = new Set([
  '==',
  '~=',
  '>',
  '>=',
  '<',
  '<=',
  '~~',
  '~*',
  'in',
  'has',
  'ipmatch',
]);

/**
 * The predicate for `[name, op, value]` with lua-resty-expr's semantics (spec §4.4), the value
 * already inspected so that per request only the variable is read. Returns an error text for a
 * value that cannot be compiled (a bad regex or IP list).
 */
export function compareOp(
  name: string | undefined,
  op: string,
  value: unknown,
): Predicate | string {
  // A variable name that is not a string is looked up as a Lua table key nobody sets: always nil.
  const get = (vars: RequestVars): string | undefined =>
    name === undefined ? undefined : vars.get(name);
  // JSON null reaches lua-resty-expr as ngx.null and is turned into nil before comparing.
  const right = value === null ? undefined : value;
  switch (op) {
    case '==':
      return equals(get, right);
    case '~=': {
      const eq = equals(get, right);
      return (vars) => !eq(vars);
    }
    case '>':
    case '>=':
    case '<':
    case '<=':
      return numeric(get, op, luaToNumber(right));
    case '~~':
    case '~*':
      return regex(get, right, op === '~*');
    case 'in':
      return inList(get, right);
    case 'has':
      return has(name, right);
    default:
      return ipmatch(get, right);
  }
}

type Getter = (vars: RequestVars) => string | undefined;

function equals(get: Getter, right: unknown): Predicate {
  if (typeof right === 'number') return (vars) => luaToNumber(get(vars)) === right;
  if (typeof right === 'string') return (vars) => get(vars) === right;
  if (right === undefined) return (vars) => get(vars) === undefined;
  // A boolean, array or object is never equal to a string or nil in Lua.
  return () => false;
}

function numeric(get: Getter, op: string, right: number | undefined): Predicate {
  if (right === undefined) return () => false;
  const test = (l: number): boolean =>
    op === '>' ? l > right : op === '>=' ? l >= right : op === '<' ? l < right : l <= right;
  return (vars) => {
    const left = luaToNumber(get(vars));
    return left !== undefined && test(left);
  };
}

function regex(get: Getter, right: unknown, caseless: boolean): Predicate | string {
  if (typeof right !== 'string' && typeof right !== 'number') {
    return 'invalid regex: the value must be a string';
  }
  const pattern = String(right);
  const re = toJsRegExp(pattern, caseless);
  if (typeof re === 'string') return `invalid regex '${pattern}': ${re}`;
  return (vars) => {
    const left = get(vars);
    return left !== undefined && re.test(left);
  };
}

function inList(get: Getter, right: unknown): Predicate {
  // Lua compares raw values: a string variable never equals a number element.
  if (!Array.isArray(right)) return () => false;
  const set = new Set(right.filter((v): v is string => typeof v === 'string'));
  return (vars) => {
    const left = get(vars);
    return left !== undefined && set.has(left);
  };
}

function has(name: string | undefined, right: unknown): Predicate {
  if (name === undefined || typeof right !== 'string') return () => false;
  return (vars) => vars.getList?.(name)?.includes(right) === true;
}

function ipmatch(get: Getter, right: unknown): Predicate | string {
  if (right === undefined || right === '') return 'invalid ip address';
  const entries: readonly unknown[] = Array.isArray(right) ? right : [right];
  if (entries.length === 0) return 'invalid ip address';
  const list = parseIpList(entries);
  if (typeof list === 'string') return list;
  return (vars) => {
    const left = get(vars);
    return left !== undefined && list.has(left);
  };
}
