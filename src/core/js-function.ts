import { createContext, Script } from 'node:vm';

/**
 * JavaScript in config fields that carry code. APISIX runs Lua there (`filter_func`,
 * `_meta.pre_function`, serverless `functions`); Gatehouse runs JavaScript (DESIGN.md
 * "Plugins"), so Lua source is refused with a message that says so rather than stored and
 * ignored.
 */

const FN_NAME = '__gatehouse_checked_fn';

/** Heuristics for the message only: a JS syntax error in text that reads like Lua. */
function looksLikeLua(src: string): boolean {
  return /\bend\s*$|\bthen\b|\blocal\s|~=|\belseif\b/.test(src);
}

function luaRefused(field: string): string {
  return `failed to load '${field}' string: Lua is not supported, '${field}' must be a JavaScript function`;
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
    if (looksLikeLua(src)) return luaRefused(field);
    return `failed to load '${field}' string: ${(err as Error).message}`;
  }
  return undefined;
}

/** A function loaded from config source: called with whatever its field documents. */
export type LoadedFunction = (...args: unknown[]) => unknown;

// Source that starts like a statement is read as a function body, as APISIX reads a Lua chunk.
const STATEMENT_START = /^\s*(?:return|let|const|var|['"]use strict['"])\b/;

/**
 * The factory that yields the function. `src` is read first as an expression
 * (`function (conf, ctx) {...}`, an arrow function, `(() => { let n = 0; return ... })()`), else
 * as a function body that returns the function (`let n = 0; return function (conf, ctx) {...}`,
 * the shape of an APISIX Lua chunk, which keeps state across calls).
 */
function compileFactory(src: string): () => unknown {
  let exprError: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    return new Function(`"use strict";\nreturn (\n${src}\n);`) as () => unknown;
  } catch (err) {
    exprError = err;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    return new Function(`"use strict";\n${src}`) as () => unknown;
  } catch (bodyError) {
    throw STATEMENT_START.test(src) ? bodyError : exprError;
  }
}

/** The longest a source's top level may run when it is loaded. */
export const LOAD_TIMEOUT_MS = 1000;

// A vm script's timeout is the only way to stop code that never returns: the factory runs from
// a script in a realm of its own (the factory and what it yields stay in the main realm).
const loader = { realm: createContext({}), call: new Script('factory()') };

/** `factory()`, stopped with an error after LOAD_TIMEOUT_MS. */
function runTopLevel(factory: () => unknown): unknown {
  const globals = loader.realm as { factory?: () => unknown };
  globals.factory = factory;
  try {
    return loader.call.runInContext(loader.realm, { timeout: LOAD_TIMEOUT_MS });
  } catch (err) {
    // The timeout error is not an Error of this realm; its message would read `Error: ...`.
    if ((err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new Error(`its top level ran longer than ${LOAD_TIMEOUT_MS} ms`);
    }
    throw err;
  } finally {
    delete globals.factory;
  }
}

/**
 * Compiles and evaluates `src` once and returns the function it yields, or a message for the
 * Admin API. Evaluating runs the source's top level (as APISIX runs a Lua chunk to get its
 * function), so call this when a config is checked or prepared, never per request. A top level
 * that runs longer than LOAD_TIMEOUT_MS (`for (;;) {}`) is stopped and refused: it would
 * otherwise hold the Admin API, or a worker loading the config, forever.
 *
 * @example
 *   const fn = loadJsFunction('functions[0]', 'function (conf, ctx) { return 403 }');
 *   if (typeof fn === 'string') throw new Error(fn);
 */
export function loadJsFunction(field: string, src: string): LoadedFunction | string {
  let factory: () => unknown;
  try {
    factory = compileFactory(src);
  } catch (err) {
    if (looksLikeLua(src)) return luaRefused(field);
    return `failed to load '${field}' string: ${(err as Error).message}`;
  }
  let value: unknown;
  try {
    value = runTopLevel(factory);
  } catch (err) {
    return `failed to load '${field}' string: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (typeof value !== 'function') {
    return `failed to load '${field}' string: only accept JavaScript function, the input code type is ${value === null ? 'null' : typeof value}`;
  }
  return value as LoadedFunction;
}
