import { GatehouseError } from '../errors.js';
import { compareOp, OPERATORS, type Predicate } from './operators.js';
import type { RequestVars } from './request-vars.js';

/**
 * APISIX's `vars` expression language (api7/lua-resty-expr v1, spec §4.4), compiled once into a
 * closure: structure, operators, numbers and regexes are resolved here so that a request only
 * reads variables. Bad rules throw with lua-resty-expr's message (and, beyond it, for a regex or
 * IP list that cannot be compiled, which APISIX would only notice per request).
 *
 * @example
 *   const match = compileExpr([['arg_version', '>=', 2], ['http_x_env', '~~', '^dev']]);
 *   match({ get: (name) => ({ arg_version: '3', http_x_env: 'devel' })[name] }); // true
 */
export function compileExpr(rule: unknown): (vars: RequestVars) => boolean {
  const result = compileTop(rule);
  if (typeof result === 'string') throw new GatehouseError('GH_ERR_ADMIN_BAD_REQUEST', result);
  return result;
}

/** lua-resty-expr's error for a rule, or undefined when it compiles. */
export function exprError(rule: unknown): string | undefined {
  const result = compileTop(rule);
  return typeof result === 'string' ? result : undefined;
}

const LOGIC = new Set(['OR', '!OR', 'AND', '!AND']);
const always: Predicate = () => true;

// Lua's string.upper/lower coerce numbers to text and throw on anything else.
function luaText(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function logicOp(v: unknown): string | undefined {
  const op = luaText(v)?.toUpperCase();
  return op !== undefined && LOGIC.has(op) ? op : undefined;
}

function compileTop(rule: unknown): Predicate | string {
  if (rule === undefined || rule === null) return 'missing argument rule';
  if (!Array.isArray(rule)) return 'invalid expression';
  if (rule.length === 0) return always;
  if (!Array.isArray(rule[0]) && logicOp(rule[0]) === undefined) {
    return 'rule should be wrapped inside brackets';
  }
  return compileRule(rule);
}

function compileRule(rule: unknown): Predicate | string {
  if (!Array.isArray(rule)) return 'invalid expression';
  if (rule.length === 0) return 'rule too short';
  if (Array.isArray(rule[0])) return group('AND', rule);
  const op = logicOp(rule[0]);
  if (op === undefined) return compileLeaf(rule);
  if (rule.length <= 2) return 'rule too short';
  return group(op, rule.slice(1));
}

function group(op: string, rules: readonly unknown[]): Predicate | string {
  const parts: Predicate[] = [];
  for (const sub of rules) {
    const compiled = compileRule(sub);
    if (typeof compiled === 'string') return compiled;
    parts.push(compiled);
  }
  const any = op === 'OR' || op === '!OR';
  const negate = op.startsWith('!');
  const combined: Predicate = any
    ? (vars) => {
        for (const p of parts) if (p(vars)) return true;
        return false;
      }
    : (vars) => {
        for (const p of parts) if (!p(vars)) return false;
        return true;
      };
  return negate ? (vars) => !combined(vars) : combined;
}

function compileLeaf(expr: readonly unknown[]): Predicate | string {
  let [left, op, right] = expr;
  const negated = expr.length === 4;
  if (negated) {
    if (expr[1] !== '!') return "bad 'not' expression";
    [left, , op, right] = expr;
  }
  let opName = op === undefined || op === null ? undefined : luaText(op)?.toLowerCase();
  if (op !== undefined && op !== null && opName === undefined) {
    return `invalid operator '${JSON.stringify(op)}'`;
  }
  if (right === undefined && (opName === undefined || !OPERATORS.has(opName))) {
    // `[var, value]` is shorthand for `[var, '==', value]`, the value lower-cased as it went
    // through the operator slot (lua-resty-expr's compatibility path).
    if (opName === undefined) return 'invalid expression';
    right = opName;
    opName = '==';
  }
  if (left === undefined || left === null || opName === undefined) return 'invalid expression';
  if (!OPERATORS.has(opName)) return `invalid operator '${opName}'`;
  const compiled = compareOp(typeof left === 'string' ? left : undefined, opName, right);
  if (typeof compiled === 'string' || !negated) return compiled;
  return (vars) => !compiled(vars);
}
