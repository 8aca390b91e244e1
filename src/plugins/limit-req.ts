/**
 * limit-req (spec-plugins §2.3): a leaky bucket per key, as nginx's limit_req and
 * resty.limit.req, counted node-wide in the shared dict `limit-req`. A request beyond
 * `rate` + `burst` is rejected; one within the burst waits excess/rate seconds unless `nodelay`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PluginContext, PluginDefinition } from '../plugin/types.js';
import {
  LIMIT_PROPERTIES,
  counterFailed,
  limitBase,
  limitKey,
  localPolicyOnly,
  type LimitBase,
  type LimitConf,
} from './lib/limit-key.js';

interface LimitReqConf extends LimitConf {
  rate: number;
  burst: number;
  key: string;
  nodelay: boolean;
}

interface Prepared extends LimitBase {
  readonly keyOf: (ctx: PluginContext) => string;
  readonly rate: number;
  readonly burst: number;
  readonly nodelay: boolean;
  /** How long a bucket outlives its last admitted request: then it is empty anyway. */
  readonly ttlMs: number;
}

/** One key's bucket: requests in excess of the rate (fractional), and when it was last filled. */
interface Bucket {
  readonly excess: number;
  readonly last: number;
}

const plugin: PluginDefinition<LimitReqConf, Prepared> = {
  name: 'limit-req',
  version: 0.1,
  priority: 1001,
  schema: {
    type: 'object',
    properties: {
      rate: { type: 'number', exclusiveMinimum: 0 },
      burst: { type: 'number', minimum: 0 },
      ...LIMIT_PROPERTIES,
      nodelay: { type: 'boolean', default: false },
    },
    required: ['rate', 'burst', 'key'],
  },

  check: (conf) => localPolicyOnly(conf.policy),

  prepare(conf, env, owner) {
    const base = limitBase('limit-req', conf, env, owner);
    return {
      ...base,
      keyOf: limitKey(conf.key, conf.key_type, base.prefix),
      rate: conf.rate,
      burst: conf.burst,
      nodelay: conf.nodelay,
      ttlMs: Math.ceil(((conf.burst + 1) / conf.rate) * 1000) + 1000,
    };
  },

  access(p, ctx) {
    const now = Date.now();
    let admitted = false;
    let excess = 0;
    try {
      p.dict.update<Bucket>(
        p.keyOf(ctx),
        (old) => {
          // The bucket leaks `rate` per second since it was last filled; this request adds one.
          excess =
            old === undefined
              ? 0
              : Math.max(old.excess - (p.rate * Math.abs(now - old.last)) / 1000 + 1, 0);
          admitted = excess <= p.burst;
          return admitted ? { excess, last: now } : old;
        },
        p.ttlMs,
      );
    } catch (err) {
      return counterFailed(p, ctx, err, 'limit req');
    }
    if (!admitted) return p.rejected;
    const delayMs = (excess / p.rate) * 1000;
    if (p.nodelay || delayMs < 1) return undefined;
    return sleep(delayMs);
  },
};

export default plugin;
