import { BlockList, isIP } from 'node:net';

/**
 * Write-time validation of a `vars` expression (api7/lua-resty-expr v1 `new`): the same
 * structure rules and error texts, so `failed to validate the 'vars' expression: <err>` matches.
 *
 * @example
 *   checkVarsExpr([['arg_name', '==', 'json'], ['http_x', '~~', '^a']]); // undefined
 *   checkVarsExpr([['arg_name', '=', 'json']]); // "invalid operator '='"
 */

const OPERATORS = new Set(['==', '~=', '>', '>=', '<', '<=', '~~', '~*', 'in', 'has', 'ipmatch']);
const LOGIC = new Set(['OR', '!OR', 'AND', '!AND']);

function isLogic(v: unknown): boolean {
  return (typeof v === 'string' || typeof v === 'number') && LOGIC.has(String(v).toUpperCase());
}

function checkIps(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return 'invalid ip address';
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) return 'invalid ip address';
  const probe = new BlockList();
  for (const entry of list) {
    const text = String(entry);
    const [addr = '', bits] = text.split('/');
    const family = isIP(addr);
    try {
      if (family === 0) throw new Error('not an ip');
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) probe.addAddress(addr, type);
      else if (/^\d+$/.test(bits)) probe.addSubnet(addr, Number(bits), type);
      else throw new Error('bad prefix');
    } catch {
      return `invalid ip address: ${text}`;
    }
  }
  return undefined;
}

function checkLeaf(expr: unknown[]): string | undefined {
  let [left, op, right] = expr;
  if (expr.length === 4) {
    if (expr[1] !== '!') return "bad 'not' expression";
    [left, , op, right] = expr;
  }
  let opName = typeof op === 'string' ? op.toLowerCase() : op;
  if (right === undefined && !(typeof opName === 'string' && OPERATORS.has(opName))) {
    // Two-element shorthand `[var, value]` means `==`.
    if (opName === undefined) return 'invalid expression';
    right = opName;
    opName = '==';
  }
  if (left === undefined || left === null || opName === undefined || opName === null) {
    return 'invalid expression';
  }
  if (typeof opName !== 'string' || !OPERATORS.has(opName)) {
    return `invalid operator '${typeof opName === 'string' ? opName : JSON.stringify(opName)}'`;
  }
  if (opName === 'ipmatch') return checkIps(right);
  return undefined;
}

function compile(rule: unknown): string | undefined {
  if (!Array.isArray(rule)) return 'invalid expression';
  if (rule.length === 0) return 'rule too short';
  if (Array.isArray(rule[0])) {
    for (const sub of rule) {
      const err = compile(sub);
      if (err !== undefined) return err;
    }
    return undefined;
  }
  if (isLogic(rule[0])) {
    if (rule.length <= 2) return 'rule too short';
    for (const sub of rule.slice(1)) {
      const err = compile(sub);
      if (err !== undefined) return err;
    }
    return undefined;
  }
  return checkLeaf(rule);
}

/** The lua-resty-expr error for an invalid expression, or undefined when it compiles. */
export function checkVarsExpr(rule: unknown): string | undefined {
  if (rule === undefined || rule === null) return 'missing argument rule';
  if (!Array.isArray(rule)) return 'invalid expression';
  if (rule.length === 0) return undefined;
  if (!Array.isArray(rule[0]) && !isLogic(rule[0])) {
    return 'rule should be wrapped inside brackets';
  }
  return compile(rule);
}
