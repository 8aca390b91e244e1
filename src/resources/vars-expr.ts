import { exprError } from '../core/expr/compile.js';

/**
 * Write-time validation of a `vars` expression (api7/lua-resty-expr v1 `new`): the same
 * structure rules and error texts, so `failed to validate the 'vars' expression: <err>` matches.
 * It runs the data plane's own compiler (src/core/expr), so whatever is accepted here compiles
 * there, including regexes and IP lists.
 *
 * @example
 *   checkVarsExpr([['arg_name', '==', 'json'], ['http_x', '~~', '^a']]); // undefined
 *   checkVarsExpr([['arg_name', '=', 'json']]); // "invalid operator '='"
 */
export function checkVarsExpr(rule: unknown): string | undefined {
  return exprError(rule);
}
