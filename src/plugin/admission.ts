import type { Logger } from '../core/logger.js';
import type { ChainEntry, PluginChain } from './chain.js';
import {
  runStopPhase,
  skipPreferRoute,
  type Outcome,
  type RequestChains,
  type RunContext,
} from './runner.js';
import type { Consumer } from './types.js';

/** Merges the identified consumer (and its group) into the route's chain (cached). */
export type ConsumerMerge = (route: PluginChain, consumer: Consumer) => PluginChain;

const notFromConsumer = (e: ChainEntry): boolean => !e.fromConsumer;

/**
 * Rewrite and access, in APISIX 3.17's order (spec §1.5): global rewrite, route rewrite, then —
 * when an auth plugin attached a consumer — the consumer's plugins merged in and the rewrite of
 * the ones it added, then global access, route access. Synchronous unless a hook awaits.
 * Returns the response that ended the request, if any; `chains.route` is left as the chain the
 * later phases use.
 */
export function admit(
  chains: RequestChains,
  ctx: RunContext,
  merge: ConsumerMerge,
  logger: Logger,
): Outcome | Promise<Outcome> {
  return step(0, chains, ctx, merge, logger);
}

function step(
  n: number,
  chains: RequestChains,
  ctx: RunContext,
  merge: ConsumerMerge,
  logger: Logger,
): Outcome | Promise<Outcome> {
  for (let i = n; i < 5; i++) {
    const out = run(i, chains, ctx, merge, logger);
    if (out instanceof Promise) {
      return out.then((res) => res ?? step(i + 1, chains, ctx, merge, logger));
    }
    if (out !== undefined) return out;
  }
  return undefined;
}

function run(
  i: number,
  chains: RequestChains,
  ctx: RunContext,
  merge: ConsumerMerge,
  logger: Logger,
): Outcome | Promise<Outcome> {
  switch (i) {
    case 0:
      return chains.global.rewrite.length === 0
        ? undefined
        : runStopPhase(chains.global.rewrite, 'rewrite', ctx, logger, skipPreferRoute(chains));
    case 1:
      return chains.route.rewrite.length === 0
        ? undefined
        : runStopPhase(chains.route.rewrite, 'rewrite', ctx, logger);
    case 2: {
      const consumer = ctx.consumer;
      if (consumer === undefined) return undefined;
      const merged = merge(chains.route, consumer);
      if (merged === chains.route) return undefined;
      chains.route = merged;
      return runStopPhase(merged.rewrite, 'rewrite', ctx, logger, notFromConsumer);
    }
    case 3:
      return chains.global.access.length === 0
        ? undefined
        : runStopPhase(chains.global.access, 'access', ctx, logger, skipPreferRoute(chains));
    default:
      return chains.route.access.length === 0
        ? undefined
        : runStopPhase(chains.route.access, 'access', ctx, logger);
  }
}
