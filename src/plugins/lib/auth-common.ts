/**
 * What key-auth, basic-auth and jwt-auth share (spec-plugins §1.9): the `realm` and
 * `anonymous_consumer` schemas, the 401 responses with `WWW-Authenticate`, the anonymous-consumer
 * fallback, and nginx's base64 decoding.
 */
import { timingSafeEqual } from 'node:crypto';
import type {
  ConsumerMatch,
  JsonSchema,
  PluginContext,
  PluginResponse,
} from '../../plugin/types.js';

/**
 * APISIX `schema_def.get_realm_schema`: printable ASCII without `"` and `\`, 1–128 chars. The
 * pattern holds the characters themselves, as Lua's string does, so error texts match APISIX's.
 */
export function realmSchema(dflt: string): JsonSchema {
  return {
    type: 'string',
    pattern: '^[ -!#-[\\]-~]+$',
    default: dflt,
    minLength: 1,
    maxLength: 128,
  };
}

/** APISIX `schema_def.anonymous_consumer_schema`: the username of a consumer. */
export const ANONYMOUS_CONSUMER_SCHEMA: JsonSchema = { type: 'string', minLength: 1 };

/** The message every auth plugin answers when its anonymous consumer does not exist. */
export const INVALID_USER = 'Invalid user authorization';

/**
 * The 401 responses of one auth conf, each built once: `{"message": …}` with
 * `WWW-Authenticate: <scheme> realm="<realm>"`. Messages are a small fixed set of literals.
 *
 * @example
 *   const unauthorized = new Unauthorized('apikey', conf.realm);
 *   return unauthorized.response('Missing API key in request');
 */
export class Unauthorized {
  readonly #headers: Readonly<Record<string, string>>;
  readonly #responses = new Map<string, PluginResponse>();

  constructor(scheme: string, realm: string) {
    this.#headers = Object.freeze({ 'WWW-Authenticate': `${scheme} realm="${realm}"` });
  }

  response(message: string): PluginResponse {
    let res = this.#responses.get(message);
    if (res === undefined) {
      res = Object.freeze({
        status: 401,
        body: Object.freeze({ message }),
        headers: this.#headers,
      });
      this.#responses.set(message, res);
    }
    return res;
  }
}

/** The route-side attributes every auth plugin has. */
export interface AuthConf {
  readonly realm: string;
  readonly hide_credentials: boolean;
  readonly anonymous_consumer?: string;
}

/**
 * A failed authentication: attaches `anonymous` when configured (3.12+), else answers 401 with
 * `message`. A configured anonymous consumer that does not exist answers 401
 * "Invalid user authorization".
 */
function rejectOrAnonymous(
  ctx: PluginContext,
  anonymous: string | undefined,
  unauthorized: Unauthorized,
  message: string,
): PluginResponse | undefined {
  if (anonymous === undefined) return unauthorized.response(message);
  const consumer = ctx.consumers.byName(anonymous);
  if (consumer === undefined) {
    ctx.env.logger.error(`anonymous consumer '${anonymous}' not found`);
    return unauthorized.response(INVALID_USER);
  }
  ctx.attachConsumer(consumer);
  return undefined;
}

/**
 * The end of every auth plugin's rewrite: attaches the consumer found, or, given why none was,
 * falls back as `rejectOrAnonymous` does.
 *
 * @example
 *   rewrite: (conf, ctx) => attachOrReject(ctx, conf, findConsumer(conf, ctx)),
 */
export function attachOrReject(
  ctx: PluginContext,
  conf: { readonly anonymous_consumer?: string; readonly unauthorized: Unauthorized },
  found: ConsumerMatch | string,
): PluginResponse | undefined {
  if (typeof found === 'string') {
    return rejectOrAnonymous(ctx, conf.anonymous_consumer, conf.unauthorized, found);
  }
  ctx.attachConsumer(found.consumer, found.credentialId);
  return undefined;
}

const BASE64_BODY = /^[A-Za-z0-9+/]*$/;
const BASE64URL_BODY = /^[A-Za-z0-9_-]*$/;

/**
 * nginx's `ngx_decode_base64` / `ngx_decode_base64url` (what `ngx.decode_base64` does): padding
 * optional, everything from the first `=` ignored; a character outside the alphabet or a length
 * of 4n+1 is an error (undefined).
 */
export function decodeBase64(
  text: string,
  alphabet: 'base64' | 'base64url' = 'base64',
): Buffer | undefined {
  const eq = text.indexOf('=');
  const body = eq < 0 ? text : text.slice(0, eq);
  const valid = alphabet === 'base64' ? BASE64_BODY : BASE64URL_BODY;
  if (body.length % 4 === 1 || !valid.test(body)) return undefined;
  return Buffer.from(body, alphabet);
}

/** Equality of two secrets in time independent of where they differ. */
export function sameSecret(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
