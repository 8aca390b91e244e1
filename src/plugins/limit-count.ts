/**
 * limit-count (spec-plugins "limit-count"): at most `count` requests per `time_window` seconds
 * per key, in fixed windows that start at a key's first request, or sliding ones. Counters are
 * node-wide (`local`: the primary's quotas for fixed windows, synchronous while this worker holds
 * a lease; the shared dict for sliding ones; exact across the node's workers) or in Redis
 * (`redis`, `redis-cluster`, `redis-sentinel`: exact across nodes; the hook awaits one round
 * trip). Quota headers go out on every response of the route, the rejection included.
 */
import type { Logger } from '../core/logger.js';
import type {
  ConfOwner,
  PhaseResult,
  PluginContext,
  PluginDefinition,
  PluginEnv,
  PluginResponse,
} from '../plugin/types.js';
import { checkConf, type LimitCountConf } from './lib/limit-count-check.js';
import {
  flushQuotaHeaders,
  HeaderNames,
  recordedQuotaHeaders,
  recordQuotaHeaders,
  ResetText,
} from './lib/limit-count-headers.js';
import { closeRedisClients, redisScripts, type RedisFields } from './lib/limit-count-redis.js';
import {
  activeRules,
  compileRules,
  type ActiveRule,
  type CompiledRule,
  type Limits,
} from './lib/limit-count-rules.js';
import { metadataSchema, schema } from './lib/limit-count-schema.js';
import {
  localCounter,
  redisCounter,
  type Counter,
  type Outcome,
} from './lib/limit-count-window.js';

const NAME = 'limit-count';

const RULES_FAILED = 'failed to get rate limit rules';

interface Prepared {
  readonly conf: LimitCountConf;
  readonly rules: readonly CompiledRule[];
  /** The one rule of a conf whose count and window are numbers: nothing to resolve. */
  readonly single: { readonly key: CompiledRule['key']; readonly limits: Limits } | undefined;
  /** Or why this conf cannot count (a cluster node that is no address): every request fails. */
  readonly counter: Counter | Error;
  readonly names: HeaderNames;
  readonly reset: ResetText;
  readonly logger: Logger;
}

function makeCounter(conf: LimitCountConf, env: PluginEnv): Counter | Error {
  if (conf.policy === 'local') {
    return localCounter(env.shared(NAME), env.quotas(NAME), conf.window_type);
  }
  try {
    const scripts = redisScripts(conf as LimitCountConf & RedisFields, env.logger);
    return redisCounter(scripts, conf.window_type);
  } catch (err) {
    return err as Error;
  }
}

function prepare(conf: LimitCountConf, env: PluginEnv, owner: ConfOwner): Prepared {
  const rules = compileRules(conf, owner);
  const only = rules.length === 1 ? rules[0] : undefined;
  return {
    conf,
    rules,
    single: only?.constant === undefined ? undefined : { key: only.key, limits: only.constant },
    counter: makeCounter(conf, env),
    names: new HeaderNames(conf),
    reset: new ResetText(),
    logger: env.logger,
  };
}

/** The counter store failed: 500 unless allow_degradation (then the request goes on). */
function storeFailed(p: Prepared, err: unknown): PhaseResult {
  p.logger.error({ plugin: NAME, err: (err as Error).message }, 'failed to limit count');
  if (p.conf.allow_degradation) return undefined;
  return { status: 500, body: { error_msg: 'failed to limit count' } };
}

/**
 * The request cannot be limited at all (no usable counter, a template count that is no positive
 * integer, no rule applies): a bare 500 as APISIX, unless allow_degradation.
 */
function cannotLimit(p: Prepared, what: string, reason: string): PhaseResult {
  p.logger.error({ plugin: NAME, reason }, what);
  return p.conf.allow_degradation ? undefined : { status: 500 };
}

function verdict(
  p: Prepared,
  rule: Limits,
  key: string,
  ctx: PluginContext,
  out: Outcome,
): PhaseResult {
  // Built only if something reads it (a logger): most requests never do.
  ctx.setVar(
    'rate_limiting_info',
    () =>
      `{"rate_limiting_key":${JSON.stringify(rule.space + key)},"rate_limiting_limit":${rule.count},` +
      `"rate_limiting_remaining":${out.remaining},"rate_limiting_reset":${Math.trunc(out.reset)}}`,
  );
  if (p.conf.show_limit_quota_header) {
    const names = p.names.of(rule.headerPrefix, ctx);
    recordQuotaHeaders(names, ctx, rule.countText, out.remaining, p.reset.of(out.reset));
  }
  if (!out.rejected) return undefined;
  const msg = p.conf.rejected_msg;
  const headers = recordedQuotaHeaders(ctx);
  const response: PluginResponse = {
    status: p.conf.rejected_code,
    ...(msg === undefined ? {} : { body: { error_msg: msg } }),
    ...(headers === undefined ? {} : { headers }),
  };
  return response;
}

function hitOne(
  p: Prepared,
  counter: Counter,
  rule: Limits,
  key: string,
  ctx: PluginContext,
): PhaseResult | Promise<PhaseResult> {
  let out: Outcome | Promise<Outcome>;
  try {
    out = counter(rule.space, key, 1, rule.count, rule.windowMs);
  } catch (err) {
    return storeFailed(p, err);
  }
  if (out instanceof Promise) {
    return out.then(
      (o) => verdict(p, rule, key, ctx, o),
      (err: unknown) => storeFailed(p, err),
    );
  }
  return verdict(p, rule, key, ctx, out);
}

/** Hits the counters from `i` on; stops at the first rejection. Async only if a counter is. */
function hitFrom(
  p: Prepared,
  counter: Counter,
  rules: readonly ActiveRule[],
  i: number,
  ctx: PluginContext,
): PhaseResult | Promise<PhaseResult> {
  for (; i < rules.length; i++) {
    const { limits, key } = rules[i] as ActiveRule;
    const out = hitOne(p, counter, limits, key, ctx);
    if (out instanceof Promise) {
      const next = i + 1;
      return out.then((res) => res ?? hitFrom(p, counter, rules, next, ctx));
    }
    if (out !== undefined) return out;
  }
  return undefined;
}

const plugin: PluginDefinition<LimitCountConf, Prepared> = {
  name: NAME,
  version: 0.5,
  priority: 1002,
  schema,
  metadataSchema,
  encryptFields: ['redis_password', 'sentinel_password'],

  check(conf, kind) {
    return kind === 'metadata' ? undefined : checkConf(conf);
  },

  prepare,

  access(p, ctx) {
    const { counter } = p;
    if (counter instanceof Error) {
      return cannotLimit(p, 'failed to fetch limit.count object', counter.message);
    }
    const single = p.single;
    if (single !== undefined) {
      // Most confs: one rule of numbers, nothing to resolve or collect per request.
      const key = single.key(ctx);
      if (key === undefined) return cannotLimit(p, RULES_FAILED, 'no rule applies to the request');
      return hitOne(p, counter, single.limits, key, ctx);
    }
    const rules = activeRules(p.rules, ctx);
    if (typeof rules === 'string') return cannotLimit(p, RULES_FAILED, rules);
    if (rules.length === 0) return cannotLimit(p, RULES_FAILED, 'no rule applies to the request');
    return hitFrom(p, counter, rules, 0, ctx);
  },

  headerFilter(_p, ctx) {
    flushQuotaHeaders(ctx);
  },

  destroy: closeRedisClients,
};

export default plugin;
