import { loadJsFunction, type LoadedFunction } from '../../core/js-function.js';
import type {
  PhaseHook,
  PhaseResult,
  PluginContext,
  PluginDefinition,
  PluginResponse,
} from '../../plugin/types.js';

/**
 * serverless-pre-function / serverless-post-function (spec §2.6, APISIX
 * `apisix/plugins/serverless/init.lua`): user functions run in one phase of the request. APISIX
 * takes Lua; Gatehouse takes JavaScript, one function per string, called `(conf, ctx)` with the
 * plugin's conf and the PluginContext (body_filter adds `chunk, last`).
 *
 * What a function returns in rewrite / access / before_proxy ends the request when it is a
 * status (`403`), a `[status, body]` pair (APISIX's `return code, body`), or a
 * `{status, body?, headers?}` object; anything else (undefined) goes on to the next function.
 * A returned promise is awaited there. A function that throws ends the request with a 500.
 */

const PHASES = [
  'rewrite',
  'access',
  'header_filter',
  'body_filter',
  'log',
  'before_proxy',
] as const;
type Phase = (typeof PHASES)[number];

/** The APISIX phase name of each hook. */
const HOOK_PHASE: Readonly<Record<PhaseHook, Phase>> = {
  rewrite: 'rewrite',
  access: 'access',
  beforeProxy: 'before_proxy',
  headerFilter: 'header_filter',
  bodyFilter: 'body_filter',
  log: 'log',
};

interface ServerlessConf {
  phase: Phase;
  functions: string[];
}

interface PreparedServerless {
  readonly phase: Phase;
  readonly functions: readonly LoadedFunction[];
  /** What functions get as `conf`. */
  readonly conf: ServerlessConf;
}

const schema = {
  type: 'object',
  properties: {
    phase: { type: 'string', default: 'access', enum: PHASES },
    functions: { type: 'array', items: { type: 'string' }, minItems: 1 },
  },
  required: ['functions'],
};

const fieldOf = (i: number): string => `functions[${i}]`;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function'
  );
}

/** A function's return value as a response that ends the request, or undefined to go on. */
function toResponse(v: unknown): PluginResponse | undefined {
  if (typeof v === 'number') return { status: v };
  if (Array.isArray(v)) {
    const [status, body] = v as unknown[];
    if (typeof status !== 'number') return undefined;
    return body === undefined || body === null
      ? { status }
      : { status, body: body as PluginResponse['body'] };
  }
  if (v !== null && typeof v === 'object' && typeof (v as PluginResponse).status === 'number') {
    return v as PluginResponse;
  }
  return undefined;
}

/** Runs the functions from `from` on; stays synchronous until one returns a promise. */
function runStop(
  p: PreparedServerless,
  ctx: PluginContext,
  from = 0,
): PhaseResult | Promise<PhaseResult> {
  for (let i = from; i < p.functions.length; i++) {
    const r = p.functions[i]!(p.conf, ctx);
    if (isThenable(r)) {
      return Promise.resolve(r).then((v) => toResponse(v) ?? runStop(p, ctx, i + 1));
    }
    const res = toResponse(r);
    if (res !== undefined) return res;
  }
  return undefined;
}

/** header_filter / log: nothing to end; a promise cannot be waited for, only its failure logged. */
function runNotify(p: PreparedServerless, ctx: PluginContext): void {
  for (const fn of p.functions) {
    const r = fn(p.conf, ctx);
    if (isThenable(r)) {
      Promise.resolve(r).catch((err: unknown) =>
        ctx.env.logger.error({ plugin: 'serverless', phase: p.phase, err }, 'function failed'),
      );
    } else if (r !== undefined && r !== null) {
      return; // As APISIX: the first function that returns something is the last to run.
    }
  }
}

/** body_filter: each function may return a string or Buffer that replaces the chunk. */
function runBody(p: PreparedServerless, ctx: PluginContext, chunk: Buffer, last: boolean): Buffer {
  let out = chunk;
  for (const fn of p.functions) {
    const r = fn(p.conf, ctx, out, last);
    if (typeof r === 'string') out = Buffer.from(r);
    else if (Buffer.isBuffer(r)) out = r;
  }
  return out;
}

/** The plugin of one name and priority; both serverless plugins are this with their own. */
export function serverlessPlugin(
  name: string,
  priority: number,
): PluginDefinition<ServerlessConf, PreparedServerless> {
  return {
    name,
    version: 0.1,
    priority,
    schema,

    // Evaluates each source (its top level runs, as APISIX runs the Lua chunk) to see that it
    // yields a function.
    check(conf) {
      for (const [i, src] of conf.functions.entries()) {
        const fn = loadJsFunction(fieldOf(i), src);
        if (typeof fn === 'string') return fn;
      }
      return undefined;
    },

    prepare(conf) {
      const functions = conf.functions.map((src, i) => {
        const fn = loadJsFunction(fieldOf(i), src);
        if (typeof fn === 'string') throw new Error(fn);
        return fn;
      });
      return { phase: conf.phase, functions, conf };
    },

    uses: (p, hook) => p.phase === HOOK_PHASE[hook],
    rewrite: (p, ctx) => (p.phase === 'rewrite' ? runStop(p, ctx) : undefined),
    access: (p, ctx) => (p.phase === 'access' ? runStop(p, ctx) : undefined),
    beforeProxy: (p, ctx) => (p.phase === 'before_proxy' ? runStop(p, ctx) : undefined),
    headerFilter(p, ctx) {
      if (p.phase === 'header_filter') runNotify(p, ctx);
    },
    bodyFilter: (p, ctx, chunk, last) =>
      p.phase === 'body_filter' ? runBody(p, ctx, chunk, last) : chunk,
    log(p, ctx) {
      if (p.phase === 'log') runNotify(p, ctx);
    },
  };
}
