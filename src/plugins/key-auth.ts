import type { ConsumerMatch, PluginContext, PluginDefinition } from '../plugin/types.js';
import {
  ANONYMOUS_CONSUMER_SCHEMA,
  attachOrReject,
  realmSchema,
  Unauthorized,
  type AuthConf,
} from './lib/auth-common.js';

/**
 * key-auth (spec-plugins §2.1): a consumer identified by an API key in a header, else in a query
 * argument.
 */

interface KeyAuthConf extends AuthConf {
  readonly header: string;
  readonly query: string;
}

interface Prepared extends KeyAuthConf {
  readonly unauthorized: Unauthorized;
}

const MISSING = 'Missing API key in request';
const INVALID = 'Invalid API key in request';

/** The consumer of the key, or why there is none; strips the key when asked to on success. */
function findConsumer(conf: Prepared, ctx: PluginContext): ConsumerMatch | string {
  let key = ctx.header(conf.header);
  const fromHeader = key !== undefined;
  if (!fromHeader) key = ctx.arg(conf.query);
  if (key === undefined) return MISSING;
  const match = ctx.consumers.find('key-auth', key);
  if (match === undefined) return INVALID;
  if (conf.hide_credentials) {
    if (fromHeader) ctx.setHeader(conf.header, undefined);
    else ctx.setArg(conf.query, undefined);
  }
  return match;
}

const plugin: PluginDefinition<KeyAuthConf, Prepared> = {
  name: 'key-auth',
  version: 0.1,
  priority: 2500,
  type: 'auth',
  consumerKey: 'key',
  encryptFields: ['key'],
  schema: {
    type: 'object',
    properties: {
      header: { type: 'string', default: 'apikey' },
      query: { type: 'string', default: 'apikey' },
      realm: realmSchema('key'),
      hide_credentials: { type: 'boolean', default: false },
      anonymous_consumer: ANONYMOUS_CONSUMER_SCHEMA,
    },
  },
  consumerSchema: {
    type: 'object',
    properties: { key: { type: 'string' } },
    required: ['key'],
  },

  prepare: (conf) => ({ ...conf, unauthorized: new Unauthorized('apikey', conf.realm) }),

  rewrite(conf, ctx) {
    const found = findConsumer(conf, ctx);
    if (
      typeof found === 'string' &&
      conf.anonymous_consumer !== undefined &&
      conf.hide_credentials
    ) {
      // A rejected key must not reach the upstream with the anonymous consumer either.
      ctx.setHeader(conf.header, undefined);
      ctx.setArg(conf.query, undefined);
    }
    return attachOrReject(ctx, conf, found);
  },
};

export default plugin;
