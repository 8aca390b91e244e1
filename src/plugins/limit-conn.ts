/**
 * limit-conn (spec-plugins §2.3): concurrent requests per key, as resty.limit.conn, counted
 * node-wide in the shared dict `limit-conn`. Above `conn` + `burst` a request is rejected; above
 * `conn` it waits a multiple of a unit delay first. The log phase gives back what access took.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PluginContext, PluginDefinition, SharedDict } from '../plugin/types.js';
import {
  LIMIT_PROPERTIES,
  compileTemplate,
  counterFailed,
  limitBase,
  limitKey,
  localPolicyOnly,
  type LimitBase,
  type LimitConf,
} from './lib/limit-key.js';

type Amount = number | string;

interface LimitConnConf extends LimitConf {
  conn?: Amount;
  burst?: Amount;
  default_conn_delay: number;
  only_use_default_delay: boolean;
  key?: string;
  rules?: Array<{ conn: Amount; burst: Amount; key: string }>;
}

/** A number, or a template resolved per request (undefined: not a valid count then). */
type AmountOf = (ctx: PluginContext) => number | undefined;

interface Rule {
  readonly conn: AmountOf;
  readonly burst: AmountOf;
  /** The counter key, or undefined when a `rules` entry's key resolves to nothing (skipped). */
  readonly keyOf: (ctx: PluginContext) => string | undefined;
}

interface Prepared extends LimitBase {
  readonly rules: readonly Rule[];
  /** `conn`/`burst` of the single form failing to resolve is an error; a rule is just skipped. */
  readonly skipBadRules: boolean;
  readonly useLatency: boolean;
  /** Seconds one "round" of excess requests waits; follows observed latencies (per worker). */
  unitDelay: number;
}

/** One counter a request holds until its log phase. */
interface Held {
  readonly p: Prepared;
  readonly key: string;
  readonly delaySec: number;
}

const HELD = 'limit-conn';

const amount = (minimum: Record<string, number>): Record<string, unknown> => ({
  oneOf: [{ type: 'integer', ...minimum }, { type: 'string' }],
});
const CONN = amount({ exclusiveMinimum: 0 });
const BURST = amount({ minimum: 0 });

const plugin: PluginDefinition<LimitConnConf, Prepared> = {
  name: 'limit-conn',
  version: 0.1,
  priority: 1003,
  schema: {
    type: 'object',
    properties: {
      conn: CONN,
      burst: BURST,
      default_conn_delay: { type: 'number', exclusiveMinimum: 0 },
      only_use_default_delay: { type: 'boolean', default: false },
      ...LIMIT_PROPERTIES,
      rules: {
        type: 'array',
        items: {
          type: 'object',
          properties: { conn: CONN, burst: BURST, key: { type: 'string' } },
          required: ['conn', 'burst', 'key'],
        },
      },
    },
    oneOf: [
      { required: ['conn', 'burst', 'default_conn_delay', 'key'] },
      { required: ['default_conn_delay', 'rules'] },
    ],
  },

  check: (conf) => localPolicyOnly(conf.policy),

  prepare(conf, env, owner) {
    const base = limitBase('limit-conn', conf, env, owner);
    const prefix = base.prefix;
    const rules: Rule[] =
      conf.rules === undefined
        ? [
            {
              conn: amountOf(conf.conn ?? 0, false),
              burst: amountOf(conf.burst ?? 0, true),
              keyOf: limitKey(conf.key ?? '', conf.key_type, prefix),
            },
          ]
        : conf.rules.map((rule) => {
            const key = compileTemplate(rule.key);
            return {
              conn: amountOf(rule.conn, false),
              burst: amountOf(rule.burst, true),
              keyOf: (ctx: PluginContext) => {
                const value = key.render(ctx);
                return value === undefined ? undefined : prefix + value;
              },
            };
          });
    return {
      ...base,
      rules,
      skipBadRules: conf.rules !== undefined,
      useLatency: !conf.only_use_default_delay,
      unitDelay: conf.default_conn_delay,
    };
  },

  access(p, ctx) {
    let delaySec = 0;
    let applied = 0;
    for (const rule of p.rules) {
      const conn = rule.conn(ctx);
      const burst = rule.burst(ctx);
      const key = rule.keyOf(ctx);
      if (conn === undefined || burst === undefined || key === undefined) {
        if (p.skipBadRules) continue;
        return counterFailed(p, ctx, 'conn or burst is not a count', 'limit conn');
      }
      let current: number | undefined;
      try {
        current = admit(p.dict, key, conn + burst);
      } catch (err) {
        return counterFailed(p, ctx, err, 'limit conn');
      }
      if (current === undefined) return p.rejected;
      applied++;
      // Excess requests wait one unit per full `conn` of requests ahead of them.
      const delay = current > conn ? p.unitDelay * Math.floor((current - 1) / conn) : 0;
      hold(ctx, { p, key, delaySec: delay });
      delaySec += delay;
    }
    if (applied === 0) return counterFailed(p, ctx, 'no rule applies', 'limit conn');
    if (delaySec < 0.001) return undefined;
    return sleep(delaySec * 1000);
  },

  log(_p, ctx) {
    const held = ctx.data.get(HELD) as Held[] | undefined;
    if (held === undefined) return;
    // Every instance's counters go back at the first log call: each is given back exactly once,
    // whichever instance (global rule or route) or conf version the runtime logs with.
    ctx.data.delete(HELD);
    const latencySec =
      ctx.upstreamLatencyMs !== undefined
        ? ctx.upstreamLatencyMs / 1000
        : (Date.now() - ctx.startTime) / 1000;
    for (const h of held) {
      try {
        release(h.p.dict, h.key);
      } catch (err) {
        ctx.env.logger.error({ err }, 'limit-conn: failed to record the request leaving');
        continue;
      }
      if (h.p.useLatency) {
        const latency = ctx.upstreamLatencyMs !== undefined ? latencySec : latencySec - h.delaySec;
        h.p.unitDelay = (latency + h.p.unitDelay) / 2;
      }
    }
  },
};

/** Counts the request in unless that takes the key above `max`; the new count, or undefined. */
function admit(dict: SharedDict, key: string, max: number): number | undefined {
  let over = false;
  const count = dict.update<number>(key, (old) => {
    const next = (old ?? 0) + 1;
    over = next > max;
    return over ? old : next;
  });
  return over ? undefined : count;
}

/** Counts a request out; a key back at zero is removed, so idle keys take no room. */
function release(dict: SharedDict, key: string): void {
  dict.update<number>(key, (old) => (old === undefined || old <= 1 ? undefined : old - 1));
}

function hold(ctx: PluginContext, h: Held): void {
  const held = ctx.data.get(HELD) as Held[] | undefined;
  if (held === undefined) ctx.data.set(HELD, [h]);
  else held.push(h);
}

/**
 * `conn`/`burst`: a number, or a template whose text must be a whole number (> 0 for conn,
 * >= 0 for burst), as APISIX's limit-conn checks per request.
 */
function amountOf(value: Amount, zeroAllowed: boolean): AmountOf {
  if (typeof value === 'number') return () => value;
  const template = compileTemplate(value);
  return (ctx) => {
    const text = (template.render(ctx) ?? template.unresolved).trim();
    const n = text === '' ? NaN : Number(text);
    const ok = Number.isSafeInteger(n) && (zeroAllowed ? n >= 0 : n > 0);
    return ok ? n : undefined;
  };
}

export default plugin;
