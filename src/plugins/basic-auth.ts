import type { ConsumerMatch, PluginContext, PluginDefinition } from '../plugin/types.js';
import {
  ANONYMOUS_CONSUMER_SCHEMA,
  attachOrReject,
  decodeBase64,
  INVALID_USER,
  realmSchema,
  sameSecret,
  Unauthorized,
  type AuthConf,
} from './lib/auth-common.js';

/**
 * basic-auth (spec-plugins §2.1): a consumer identified by `Authorization: Basic
 * base64(username:password)`.
 */

interface Prepared extends AuthConf {
  readonly unauthorized: Unauthorized;
}

/** As APISIX: the scheme may appear anywhere in the header, any case, then one whitespace. */
const BASIC = /basic[ \t\n\v\f\r](.+)/i;
const WHITESPACE = /[ \t\n\v\f\r]+/g;

/**
 * Username and password of an Authorization value, or undefined when it is not Basic or not
 * base64. As APISIX: whitespace is removed from both and only the first two `:`-separated
 * fields count, so a password holding `:` never matches.
 */
function parseBasic(authorization: string): { user: string; password: string } | undefined {
  const encoded = BASIC.exec(authorization)?.[1];
  const decoded = encoded === undefined ? undefined : decodeBase64(encoded);
  if (decoded === undefined) return undefined;
  const fields = decoded.toString().split(':');
  if (fields.length < 2) return undefined;
  return {
    user: (fields[0] ?? '').replace(WHITESPACE, ''),
    password: (fields[1] ?? '').replace(WHITESPACE, ''),
  };
}

function findConsumer(ctx: PluginContext): ConsumerMatch | string {
  const authorization = ctx.header('authorization');
  if (authorization === undefined) return 'Missing authorization in request';
  const credentials = parseBasic(authorization);
  if (credentials === undefined) return 'Invalid authorization in request';
  const match = ctx.consumers.find('basic-auth', credentials.user);
  const expected = match?.conf['password'];
  if (
    typeof expected !== 'string' ||
    !sameSecret(Buffer.from(expected), Buffer.from(credentials.password))
  ) {
    return INVALID_USER;
  }
  return match ?? INVALID_USER;
}

const plugin: PluginDefinition<AuthConf, Prepared> = {
  name: 'basic-auth',
  version: 0.1,
  priority: 2520,
  type: 'auth',
  consumerKey: 'username',
  encryptFields: ['password'],
  schema: {
    type: 'object',
    title: 'work with route or service object',
    properties: {
      hide_credentials: { type: 'boolean', default: false },
      realm: realmSchema('basic'),
      anonymous_consumer: ANONYMOUS_CONSUMER_SCHEMA,
    },
  },
  consumerSchema: {
    type: 'object',
    title: 'work with consumer object',
    properties: { username: { type: 'string' }, password: { type: 'string' } },
    required: ['username', 'password'],
  },

  prepare: (conf) => ({ ...conf, unauthorized: new Unauthorized('Basic', conf.realm) }),

  rewrite(conf, ctx) {
    const rejected = attachOrReject(ctx, conf, findConsumer(ctx));
    if (rejected !== undefined) return rejected;
    // Also on the anonymous fallback, as APISIX.
    if (conf.hide_credentials) ctx.setHeader('authorization', undefined);
    return undefined;
  },
};

export default plugin;
