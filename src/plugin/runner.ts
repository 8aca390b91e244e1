import type { RequestVars } from '../core/expr/request-vars.js';
import type { Logger } from '../core/logger.js';
import type { ChainEntry, PluginChain } from './chain.js';
import type { PluginContext, PluginResponse } from './types.js';

/** What the runner needs of a request: the plugin context, which is also the vars source. */
export type RunContext = PluginContext & RequestVars;

export type Outcome = PluginResponse | undefined;

type StopPhase = 'rewrite' | 'access' | 'beforeProxy';

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function'
  );
}

const INTERNAL_ERROR: PluginResponse = { status: 500 };

/** `_meta.filter`: false skips the plugin for this request. */
function passes(entry: ChainEntry, ctx: RunContext): boolean {
  if (entry.filter === undefined) return true;
  try {
    return entry.filter(ctx);
  } catch {
    return true;
  }
}

/** `_meta.pre_function`: runs before each phase call; its errors are logged, never fatal. */
function pre(entry: ChainEntry, ctx: RunContext, logger: Logger): void {
  if (entry.preFunction === undefined) return;
  try {
    entry.preFunction(entry.conf, ctx);
  } catch (err) {
    logger.error({ plugin: entry.name, err }, '_meta.pre_function failed');
  }
}

/** A returned response, with `_meta.error_response` in place of the body for statuses >= 400. */
function stopWith(entry: ChainEntry, res: unknown): Outcome {
  if (res === undefined || res === null || typeof res !== 'object') return undefined;
  const out = res as PluginResponse;
  if (typeof out.status !== 'number') return undefined;
  if (entry.errorResponse !== undefined && out.status >= 400) {
    return { ...out, body: entry.errorResponse };
  }
  return out;
}

/**
 * Runs one of the phases that may end a request over `list` from `from`, in order. Stays
 * synchronous while every hook is; the first hook that returns a promise makes the rest of the
 * walk continue after it. A hook that throws (or rejects) ends the request with a 500, as a Lua
 * error does in APISIX.
 */
export function runStopPhase(
  list: readonly ChainEntry[],
  phase: StopPhase,
  ctx: RunContext,
  logger: Logger,
  skip?: (entry: ChainEntry) => boolean,
  from = 0,
): Outcome | Promise<Outcome> {
  for (let i = from; i < list.length; i++) {
    const entry = list[i]!;
    if ((skip !== undefined && skip(entry)) || !passes(entry, ctx)) continue;
    pre(entry, ctx, logger);
    let r: unknown;
    try {
      r = entry.def[phase]!(entry.conf, ctx);
    } catch (err) {
      logger.error({ plugin: entry.name, phase, err }, 'plugin failed');
      return INTERNAL_ERROR;
    }
    if (isThenable(r)) {
      return Promise.resolve(r).then(
        (res) => stopWith(entry, res) ?? runStopPhase(list, phase, ctx, logger, skip, i + 1),
        (err: unknown) => {
          logger.error({ plugin: entry.name, phase, err }, 'plugin failed');
          return INTERNAL_ERROR;
        },
      );
    }
    const stop = stopWith(entry, r);
    if (stop !== undefined) return stop;
  }
  return undefined;
}

/** header_filter / log: every entry, errors logged and ignored (APISIX ignores their returns). */
export function runNotifyPhase(
  list: readonly ChainEntry[],
  phase: 'headerFilter' | 'log',
  ctx: RunContext,
  logger: Logger,
  skip?: (entry: ChainEntry) => boolean,
): void {
  for (const entry of list) {
    if ((skip !== undefined && skip(entry)) || !passes(entry, ctx)) continue;
    pre(entry, ctx, logger);
    try {
      entry.def[phase]!(entry.conf, ctx);
    } catch (err) {
      logger.error({ plugin: entry.name, phase, err }, 'plugin failed');
    }
  }
}

/** body_filter: each entry transforms the chunk the previous one returned. */
export function runBodyFilter(
  list: readonly ChainEntry[],
  ctx: RunContext,
  chunk: Buffer,
  last: boolean,
  logger: Logger,
  skip?: (entry: ChainEntry) => boolean,
): Buffer {
  let out = chunk;
  for (const entry of list) {
    if ((skip !== undefined && skip(entry)) || !passes(entry, ctx)) continue;
    try {
      out = entry.def.bodyFilter!(entry.conf, ctx, out, last);
    } catch (err) {
      logger.error({ plugin: entry.name, phase: 'bodyFilter', err }, 'plugin failed');
    }
  }
  return out;
}

/**
 * The chains one request runs: the merged global rules and the route's (replaced by the
 * route + consumer merge once an auth plugin identified a consumer). Global entries of a
 * `prefer_route` plugin that the route also configures are skipped.
 */
export interface RequestChains {
  readonly global: PluginChain;
  route: PluginChain;
}

export function skipPreferRoute(chains: RequestChains): ((e: ChainEntry) => boolean) | undefined {
  if (chains.global.empty || chains.route.empty) return undefined;
  return (e) => e.def.runPolicy === 'prefer_route' && chains.route.has(e.name);
}
