/**
 * Fields that carry code. APISIX runs Lua there; Gatehouse runs JavaScript (DESIGN.md
 * "Plugins"), so Lua source is refused with a 400 that says so rather than stored and ignored.
 */

const FN_NAME = '__gatehouse_checked_fn';

/** Heuristics for the message only: a JS syntax error in text that reads like Lua. */
function looksLikeLua(src: string): boolean {
  return /\bend\s*$|\bthen\b|\blocal\s|~=|\belseif\b/.test(src);
}

/**
 * Checks that `src` is one JavaScript function (`function (vars) { ... }`). The source is only
 * compiled, never run: naming the function turns it into a declaration, which a trailing `()`
 * cannot call.
 *
 * @example
 *   checkJsFunction('filter_func', 'function(vars) { return vars.arg_x === "1" }'); // undefined
 */
export function checkJsFunction(field: string, src: string): string | undefined {
  const named = src.replace(/^function\b\s*/, `function ${FN_NAME}`);
  try {
    // Compiled only, never called: this is the syntax check the brief of `filter_func` asks for.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function(`"use strict";\n${named}\n;return ${FN_NAME};`);
  } catch (err) {
    if (looksLikeLua(src)) {
      return `failed to load '${field}' string: Lua is not supported, '${field}' must be a JavaScript function`;
    }
    return `failed to load '${field}' string: ${(err as Error).message}`;
  }
  return undefined;
}

/** `script` is Lua source for the dashboard's orchestration; Gatehouse cannot run it. */
export const SCRIPT_UNSUPPORTED =
  "failed to load 'script' string: Lua scripts are not supported by Gatehouse";
