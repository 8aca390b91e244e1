/**
 * Fields that carry code. APISIX runs Lua there; Gatehouse runs JavaScript (DESIGN.md
 * "Plugins"). The check lives in core (src/core/js-function.ts) so that plugins use it too.
 */
export { checkJsFunction } from '../core/js-function.js';

/** `script` is Lua source for the dashboard's orchestration; Gatehouse cannot run it. */
export const SCRIPT_UNSUPPORTED =
  "failed to load 'script' string: Lua scripts are not supported by Gatehouse";
