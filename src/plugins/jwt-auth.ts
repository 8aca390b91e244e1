import { isSecretRef } from '../core/secret-ref.js';
import type { ConsumerMatch, PluginContext, PluginDefinition } from '../plugin/types.js';
import {
  ANONYMOUS_CONSUMER_SCHEMA,
  attachOrReject,
  decodeBase64,
  realmSchema,
  Unauthorized,
  type AuthConf,
} from './lib/auth-common.js';
import {
  claimsError,
  JWT_ALGORITHMS,
  parseJwt,
  signatureValid,
  type JwtClaim,
  type JwtConsumerConf,
} from './lib/auth-jwt.js';

/**
 * jwt-auth (spec-plugins §2.1): a consumer identified by a claim of a JWT signed with its secret
 * or key, read from a header (`Bearer ` stripped), else a query argument, else a cookie.
 */

interface JwtAuthConf extends AuthConf {
  readonly header: string;
  readonly query: string;
  readonly cookie: string;
  readonly key_claim_name: string;
  readonly store_in_ctx: boolean;
  readonly claims_to_verify?: readonly JwtClaim[];
}

interface Prepared extends JwtAuthConf {
  readonly cookieVar: string;
  readonly unauthorized: Unauthorized;
}

const HS_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const VERIFY_FAILED = 'failed to verify jwt';

/** The Cookie header without the cookie `name` (undefined when nothing is left). */
function withoutCookie(header: string, name: string): string | undefined {
  const kept = header
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && pair.slice(0, pair.indexOf('=')).trim() !== name);
  return kept.length === 0 ? undefined : kept.join('; ');
}

/** The token, from the first source that has one; hides it there when asked to, as APISIX. */
function fetchToken(conf: Prepared, ctx: PluginContext): string | undefined {
  const fromHeader = ctx.header(conf.header);
  if (fromHeader !== undefined) {
    if (conf.hide_credentials) ctx.setHeader(conf.header, undefined);
    const prefix = fromHeader.slice(0, 7);
    return prefix === 'Bearer ' || prefix === 'bearer ' ? fromHeader.slice(7) : fromHeader;
  }
  const fromQuery = ctx.arg(conf.query);
  if (fromQuery !== undefined) {
    if (conf.hide_credentials) ctx.setArg(conf.query, undefined);
    return fromQuery;
  }
  const fromCookie = ctx.var(conf.cookieVar);
  if (fromCookie !== undefined && conf.hide_credentials) {
    ctx.setHeader('cookie', withoutCookie(ctx.header('cookie') ?? '', conf.cookie));
  }
  return fromCookie;
}

function findConsumer(conf: Prepared, ctx: PluginContext): ConsumerMatch | string {
  const token = fetchToken(conf, ctx);
  if (token === undefined) return 'Missing JWT token in request';
  const jwt = parseJwt(token);
  if (jwt === undefined) return 'JWT token invalid';
  const userKey = jwt.payload[conf.key_claim_name];
  if (userKey === undefined || userKey === false) return 'missing user key in JWT token';
  const match = typeof userKey === 'string' ? ctx.consumers.find('jwt-auth', userKey) : undefined;
  if (match === undefined) return 'Invalid user key in JWT token';
  const consumerConf = match.conf as unknown as JwtConsumerConf;
  // The token's alg must be the consumer's: no alg confusion (3.17+).
  if (jwt.header['alg'] !== consumerConf.algorithm) return VERIFY_FAILED;
  if (!signatureValid(consumerConf, jwt)) return VERIFY_FAILED;
  const claims = claimsError(
    jwt.payload,
    conf.claims_to_verify,
    consumerConf.lifetime_grace_period,
  );
  if (claims !== undefined) return VERIFY_FAILED;
  if (conf.store_in_ctx) ctx.data.set('jwt_auth_payload', jwt.payload);
  return match;
}

const plugin: PluginDefinition<JwtAuthConf, Prepared> = {
  name: 'jwt-auth',
  version: 0.1,
  priority: 2510,
  type: 'auth',
  consumerKey: 'key',
  encryptFields: ['secret'],
  schema: {
    type: 'object',
    properties: {
      header: { type: 'string', default: 'authorization' },
      query: { type: 'string', default: 'jwt' },
      cookie: { type: 'string', default: 'jwt' },
      hide_credentials: { type: 'boolean', default: false },
      key_claim_name: { type: 'string', default: 'key', minLength: 1 },
      store_in_ctx: { type: 'boolean', default: false },
      realm: realmSchema('jwt'),
      anonymous_consumer: ANONYMOUS_CONSUMER_SCHEMA,
      claims_to_verify: {
        type: 'array',
        items: { type: 'string', enum: ['exp', 'nbf'] },
        uniqueItems: true,
      },
    },
  },
  consumerSchema: {
    type: 'object',
    properties: {
      key: { type: 'string', minLength: 1 },
      secret: { type: 'string', minLength: 1 },
      algorithm: { type: 'string', enum: [...JWT_ALGORITHMS], default: 'HS256' },
      exp: { type: 'integer', minimum: 1, default: 86400 },
      base64_secret: { type: 'boolean', default: false },
      lifetime_grace_period: { type: 'integer', minimum: 0, default: 0 },
    },
    // As APISIX: which algorithms need a public key is said here, in its wording.
    dependencies: {
      algorithm: {
        oneOf: [
          { properties: { algorithm: { enum: HS_ALGORITHMS, default: 'HS256' } } },
          {
            properties: {
              public_key: { type: 'string', minLength: 1 },
              algorithm: { enum: JWT_ALGORITHMS.filter((a) => !HS_ALGORITHMS.includes(a)) },
            },
            required: ['public_key'],
          },
        ],
      },
    },
    required: ['key'],
  },

  check(conf, kind) {
    if (kind !== 'consumer') return undefined;
    const consumer = conf as unknown as JwtConsumerConf;
    const hs = consumer.algorithm.startsWith('HS');
    if (hs && consumer.secret === undefined) {
      return 'property "secret" is required when using HS based algorithms';
    }
    if (
      consumer.base64_secret &&
      consumer.secret !== undefined &&
      !isSecretRef(consumer.secret) &&
      decodeBase64(consumer.secret) === undefined
    ) {
      return 'base64_secret required but the secret is not in base64 format';
    }
    if (!hs && consumer.public_key === undefined) return 'missing valid public key';
    return undefined;
  },

  prepare: (conf) => ({
    ...conf,
    cookieVar: `cookie_${conf.cookie}`,
    unauthorized: new Unauthorized('Bearer', conf.realm),
  }),

  rewrite: (conf, ctx) => attachOrReject(ctx, conf, findConsumer(conf, ctx)),
};

export default plugin;
