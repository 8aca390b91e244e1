/**
 * limit-count's windows over its two stores. A fixed window starts at a key's first request and
 * lasts `time_window`; a sliding window (APISIX 3.18 `window_type: sliding`) weighs the window
 * before the current one by the share of it that still falls inside the last `time_window`
 * seconds, and counts only admitted requests. The node-wide shared dict answers synchronously;
 * Redis with a promise.
 */
import type { QuotaTake, SharedDict, SharedQuotas } from '../../plugin/types.js';
import type { RedisScripts } from './limit-count-redis.js';

/** What one hit decided. */
export interface Outcome {
  readonly rejected: boolean;
  /** Requests left in the window (0 once rejected). */
  readonly remaining: number;
  /** Seconds until the quota frees up, to two decimals. */
  readonly reset: number;
}

/** Hits the counter `space` + `key` (see SharedQuotas.take for why the two come apart). */
export type Counter = (
  space: string,
  key: string,
  cost: number,
  limit: number,
  windowMs: number,
) => Outcome | Promise<Outcome>;

export type WindowType = 'fixed' | 'sliding';

/** Sliding-window counters live apart from fixed ones (another type in Redis). */
const SLIDING_PREFIX = 'sliding:';

/** APISIX truncates the fixed window's reset to two decimals... */
const floor2 = (ms: number): number => Math.floor(Math.max(ms, 0) / 10) / 100;
/** ...and rounds the sliding window's up. */
const ceil2 = (ms: number): number => Math.ceil(Math.max(ms, 0) / 10) / 100;

function fixedOutcome(limit: number, value: number, ttlMs: number): Outcome {
  const remaining = limit - value;
  return { rejected: remaining < 0, remaining: Math.max(remaining, 0), reset: floor2(ttlMs) };
}

function slidingOutcome(
  limit: number,
  windowMs: number,
  nowMs: number,
  [admitted, cur, last]: readonly number[],
): Outcome {
  const left = windowMs - (nowMs % windowMs);
  const lastRate = (last ?? 0) / windowMs;
  const count = cur ?? 0;
  if (admitted === 1) {
    const remaining = Math.floor(limit - count - lastRate * left);
    return { rejected: false, remaining: Math.max(remaining, 0), reset: ceil2(left) };
  }
  // Rejected by the current window alone: free at its end; by the weighted last window: once
  // enough of it has slid out.
  const wait =
    count >= limit || lastRate === 0 ? left : Math.max(left - (limit - count) / lastRate, 0);
  return { rejected: true, remaining: 0, reset: ceil2(wait) };
}

interface SlidingState {
  /** Window number: floor(now / window). */
  readonly w: number;
  /** Admitted in window w. */
  readonly c: number;
  /** Admitted in window w - 1. */
  readonly p: number;
}

function slidingLocal(dict: SharedDict): Counter {
  return (space, key, cost, limit, windowMs) => {
    const now = Date.now();
    const wid = Math.floor(now / windowMs);
    let reply: number[] = [];
    dict.update<SlidingState>(
      SLIDING_PREFIX + space + key,
      (old) => {
        const state = typeof old === 'object' ? old : undefined;
        let cur = state?.w === wid ? state.c : 0;
        let last = state?.w === wid ? state.p : state?.w === wid - 1 ? state.c : 0;
        last = Math.min(last, limit);
        const weighted = (last * (windowMs - (now % windowMs))) / windowMs;
        if (cur >= limit || weighted + cur >= limit) {
          reply = [0, cur, last];
          return old;
        }
        cur += cost;
        reply = [1, cur, last];
        return { w: wid, c: cur, p: last };
      },
      2 * windowMs,
    );
    return slidingOutcome(limit, windowMs, now, reply);
  };
}

function fixedLocal(quotas: SharedQuotas): Counter {
  return (space, key, cost, limit, windowMs) => {
    // One clock read for the take and the reset of a synchronous one.
    const now = Date.now();
    const take = quotas.take(space, key, cost, limit, windowMs, now);
    return take instanceof Promise
      ? take.then((t) => takeOutcome(t, windowMs, Date.now()))
      : takeOutcome(take, windowMs, now);
  };
}

function takeOutcome(t: QuotaTake, windowMs: number, now: number): Outcome {
  // The window's first hit reports the whole window, as APISIX does.
  const reset = floor2(t.first ? windowMs : t.expiresAt - now);
  return { rejected: !t.admitted, remaining: t.remaining, reset };
}

/**
 * `policy: local`: a fixed window counts in the primary's node-wide quotas (exact across
 * workers, synchronous while this worker holds a lease); a sliding window needs a
 * read-modify-write, done in the shared dict.
 */
export function localCounter(dict: SharedDict, quotas: SharedQuotas, type: WindowType): Counter {
  return type === 'sliding' ? slidingLocal(dict) : fixedLocal(quotas);
}

/** Redis keys as APISIX 3.18 names its fixed-window counters (a count going up). */
const REDIS_PREFIX = 'plugin-limit-count:v1:';

export function redisCounter(scripts: RedisScripts, type: WindowType): Counter {
  if (type === 'sliding') {
    return async (space, key, cost, limit, windowMs) => {
      const now = Date.now();
      const reply = await scripts.sliding(
        REDIS_PREFIX + SLIDING_PREFIX + space + key,
        cost,
        limit,
        windowMs,
        now,
      );
      return slidingOutcome(limit, windowMs, now, reply.map(Number));
    };
  }
  return async (space, key, cost, limit, windowMs) => {
    const id = REDIS_PREFIX + space + key;
    const [value, ttlMs] = (await scripts.fixed(id, cost, windowMs)).map(Number);
    return fixedOutcome(limit, value ?? 0, ttlMs ?? 0);
  };
}
