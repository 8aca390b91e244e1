import { createContext, runInContext, type Context } from 'node:vm';
import type { RequestVars } from '../router/types.js';

/**
 * A route's `filter_func` (spec §4.3 step 5), compiled once per route version.
 *
 * APISIX runs Lua there (`function(vars) return vars.arg_name == "json" end`); Gatehouse runs the
 * same idea in JavaScript: `function(vars) { return vars.arg_name === 'json'; }`. The function
 * gets one argument, a read-only view of the request's nginx variables (`vars.uri`,
 * `vars.http_x_api_version`, `vars.arg_id`, `vars.cookie_x`, ...; a missing one is `undefined`,
 * as `nil` in Lua), and the route matches when it returns a truthy value. APISIX's second
 * argument (`opts`, the router's match options) is not passed.
 *
 * Trust model. Only an Admin API caller (who holds the admin key, and can already send traffic
 * anywhere through upstreams) writes this text, so it is trusted code, as APISIX treats its Lua.
 * The isolation below keeps it from reaching the gateway's internals by accident or by habit,
 * and is not a sandbox for hostile code:
 * - it is compiled in its own `node:vm` context (own globals: no `process`, `require`, `import`,
 *   timers, or the gateway's modules), shared by all filter functions of the worker;
 * - string code generation (`eval`, `new Function`) and WebAssembly are off in that context;
 * - the only gateway object it is handed is the `vars` view: a Proxy whose traps answer strings or
 *   `undefined` and never throw, with no prototype, so no path leads from it to the main realm's
 *   `Function` constructor;
 * - what it returns is only tested for truthiness; a throw is logged and the route does not match
 *   (as APISIX does for a failing `vars`).
 * A filter that loops forever blocks the worker, as an endless Lua loop blocks an nginx worker;
 * only the evaluation of the source text at load time is bounded (50 ms).
 */
export type FilterFn = (vars: RequestVars) => boolean;

const LOAD_TIMEOUT_MS = 50;

let context: Context | undefined;

function filterContext(): Context {
  context ??= createContext(Object.create(null) as object, {
    name: 'gatehouse filter_func',
    codeGeneration: { strings: false, wasm: false },
  });
  return context;
}

/** Per-call target of the view; the request's vars stay in a private field. */
class ViewTarget {
  readonly #vars: RequestVars;
  constructor(vars: RequestVars) {
    this.#vars = vars;
  }
  static read(target: ViewTarget, name: string | symbol): string | undefined {
    if (typeof name !== 'string') return undefined;
    try {
      const v = target.#vars.get(name);
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }
}

const VIEW: ProxyHandler<ViewTarget> = {
  get: (t, name) => ViewTarget.read(t, name),
  has: (t, name) => ViewTarget.read(t, name) !== undefined,
  getPrototypeOf: () => null,
  ownKeys: () => [],
  getOwnPropertyDescriptor: () => undefined,
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
  setPrototypeOf: () => false,
};

/**
 * Compiles `src` (validated at write time by src/resources as one JavaScript function) into a
 * route predicate, or returns the error text.
 *
 * @example compileFilter('function(vars) { return vars.arg_v === "2"; }')
 */
export function compileFilter(src: string): FilterFn | string {
  let fn: unknown;
  try {
    fn = runInContext(`"use strict";\n(${src}\n)`, filterContext(), {
      filename: 'filter_func',
      timeout: LOAD_TIMEOUT_MS,
    });
  } catch (err) {
    return `failed to load filter_func: ${errorText(err)}`;
  }
  if (typeof fn !== 'function') return 'failed to load filter_func: not a function';
  const filter = fn as (view: object) => unknown;
  return (vars) => Boolean(filter(new Proxy(new ViewTarget(vars), VIEW)));
}

/** Errors from the vm context are not `instanceof Error` here. */
function errorText(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}
