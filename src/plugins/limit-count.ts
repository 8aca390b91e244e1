/**
 * limit-count (spec-plugins "limit-count"): at most `count` requests per `time_window` seconds
 * per key, in fixed windows that start at a key's first request. Counters live in the node-wide
 * shared dict (`local`, synchronous, exact across the node's workers) or in Redis (`redis`,
 * `redis-cluster`, `redis-sentinel`: exact across nodes; the hook awaits one round trip).
 * Quota headers go out on every response of the route, the rejection included.
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
import { flushQuotaHeaders, quotaHeaders, type HeaderNames } from './lib/limit-count-headers.js';
import {
  closeRedisClients,
  redisIncr,
  type Hit,
  type RedisFields,
} from './lib/limit-count-redis.js';
import {
  activeRules,
  compileRules,
  type ActiveRule,
  type CompiledRule,
} from './lib/limit-count-rules.js';
import { metadataSchema, schema } from './lib/limit-count-schema.js';

const NAME = 'limit-count';
/** Redis keys, as APISIX 3.18 names them (a count that goes up, in seconds-long windows). */
const REDIS_KEY_PREFIX = 'plugin-limit-count:v1:';

const RULES_FAILED = 'failed to get rate limit rules';

type Counter = (id: string, cost: number, windowMs: number) => Hit | Promise<Hit>;

interface Prepared {
  readonly conf: LimitCountConf;
  readonly rules: readonly CompiledRule[];
  readonly counter: Counter;
  /** Why this conf cannot count (a cluster node that is no address); every request fails. */
  readonly broken: string | undefined;
  readonly names: HeaderNames;
  readonly logger: Logger;
}

function localCounter(env: PluginEnv): Counter {
  const dict = env.shared(NAME);
  return (id, cost, windowMs) => {
    const { value, expiresAt } = dict.incr(id, cost, windowMs);
    // The window's first hit reports the whole window, as APISIX does.
    return { value, ttlMs: value === cost ? windowMs : expiresAt - Date.now() };
  };
}

function prepare(conf: LimitCountConf, env: PluginEnv, owner: ConfOwner): Prepared {
  let counter: Counter = localCounter(env);
  let broken: string | undefined;
  if (conf.policy !== 'local') {
    try {
      const incr = redisIncr(conf as LimitCountConf & RedisFields, env.logger);
      counter = (id, cost, windowMs) => incr(REDIS_KEY_PREFIX + id, cost, windowMs);
    } catch (err) {
      broken = (err as Error).message;
    }
  }
  return {
    conf,
    rules: compileRules(conf, owner),
    counter,
    broken,
    names: new Map(),
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

function verdict(p: Prepared, rule: ActiveRule, ctx: PluginContext, hit: Hit): PhaseResult {
  const remaining = rule.count - hit.value;
  const rejected = remaining < 0;
  const shown = rejected ? 0 : remaining;
  const reset = Math.floor(Math.max(hit.ttlMs, 0) / 10) / 100;
  ctx.setVar(
    'rate_limiting_info',
    `{"rate_limiting_key":${JSON.stringify(rule.id)},"rate_limiting_limit":${rule.count},` +
      `"rate_limiting_remaining":${shown},"rate_limiting_reset":${Math.trunc(reset)}}`,
  );
  const headers = p.conf.show_limit_quota_header
    ? quotaHeaders(p.names, p.conf, rule.headerPrefix, ctx, [rule.count, shown, reset])
    : undefined;
  if (!rejected) return undefined;
  const msg = p.conf.rejected_msg;
  const response: PluginResponse = {
    status: p.conf.rejected_code,
    ...(msg === undefined ? {} : { body: { error_msg: msg } }),
    ...(headers === undefined ? {} : { headers }),
  };
  return response;
}

function hitOne(
  p: Prepared,
  rule: ActiveRule,
  ctx: PluginContext,
): PhaseResult | Promise<PhaseResult> {
  let hit: Hit | Promise<Hit>;
  try {
    hit = p.counter(rule.id, 1, rule.windowMs);
  } catch (err) {
    return storeFailed(p, err);
  }
  if (hit instanceof Promise) {
    return hit.then(
      (h) => verdict(p, rule, ctx, h),
      (err: unknown) => storeFailed(p, err),
    );
  }
  return verdict(p, rule, ctx, hit);
}

/** Hits the counters from `i` on; stops at the first rejection. Async only if a counter is. */
function hitFrom(
  p: Prepared,
  rules: readonly ActiveRule[],
  i: number,
  ctx: PluginContext,
): PhaseResult | Promise<PhaseResult> {
  for (; i < rules.length; i++) {
    const out = hitOne(p, rules[i] as ActiveRule, ctx);
    if (out instanceof Promise) {
      const next = i + 1;
      return out.then((res) => res ?? hitFrom(p, rules, next, ctx));
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
    if (p.broken !== undefined)
      return cannotLimit(p, 'failed to fetch limit.count object', p.broken);
    const rules = activeRules(p.rules, ctx);
    if (typeof rules === 'string') return cannotLimit(p, RULES_FAILED, rules);
    if (rules.length === 0) return cannotLimit(p, RULES_FAILED, 'no rule applies to the request');
    return hitFrom(p, rules, 0, ctx);
  },

  headerFilter(_p, ctx) {
    flushQuotaHeaders(ctx);
  },

  destroy: closeRedisClients,
};

export default plugin;
