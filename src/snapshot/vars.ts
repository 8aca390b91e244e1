import { compileExpr } from '../core/expr/compile.js';
import type { RequestVars } from '../router/types.js';

/** A route's `vars` (spec §4.4) compiled once, or lua-resty-expr's error text. */
export function compileVars(rule: unknown[]): ((vars: RequestVars) => boolean) | string {
  try {
    return compileExpr(rule);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
