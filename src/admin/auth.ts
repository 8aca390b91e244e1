import type { IncomingHttpHeaders } from 'node:http';
import type { AdminKey } from '../config/types.js';
import { GatehouseError } from '../core/errors.js';

/**
 * The admin-key check of APISIX (`check_token`): the token comes from `?api_key=`, else the
 * `X-API-KEY` header, else the `x_api_key` cookie; role `viewer` may only GET. Every configured
 * key is compared (no early exit), each in time that depends on the presented token alone
 * (sameKey), so neither a key's content nor its length leaks through timing.
 */
export class AdminAuth {
  readonly #keys: readonly { key: string; role: AdminKey['role'] }[];
  readonly #required: boolean;

  constructor(keys: readonly AdminKey[], required: boolean) {
    this.#keys = keys.map((k) => ({ key: k.key, role: k.role }));
    // APISIX skips the check when no key list is configured at all.
    this.#required = required && keys.length > 0;
  }

  /** Throws 401 with APISIX's body when the request may not proceed. */
  check(method: string, query: URLSearchParams, headers: IncomingHttpHeaders): void {
    if (!this.#required) return;
    const token = findToken(query, headers);
    if (token === undefined) throw unauthorized('missing apikey');
    let role: AdminKey['role'] | undefined;
    for (const key of this.#keys) {
      if (sameKey(key.key, token) && role === undefined) role = key.role;
    }
    if (role === undefined) throw unauthorized('wrong apikey');
    if (role === 'viewer' && method !== 'GET') throw unauthorized('invalid method for role viewer');
  }
}

/**
 * Whether `token` is `key`, without an early exit: every character of the token is compared
 * against the key (repeated to the token's length), so the time taken depends on the token's
 * length, which the client chose, and on nothing of the key. Cheaper per request than hashing
 * both to equal-length digests for crypto.timingSafeEqual, with the same property.
 */
export function sameKey(key: string, token: string): boolean {
  const n = key.length;
  let diff = n ^ token.length;
  for (let i = 0; i < token.length; i++) {
    diff |= token.charCodeAt(i) ^ key.charCodeAt(n === 0 ? 0 : i % n);
  }
  return diff === 0;
}

function findToken(query: URLSearchParams, headers: IncomingHttpHeaders): string | undefined {
  const fromQuery = query.get('api_key');
  if (fromQuery !== null) return fromQuery;
  const fromHeader = headers['x-api-key'];
  if (typeof fromHeader === 'string') return fromHeader;
  return cookie(headers.cookie, 'x_api_key');
}

function cookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function unauthorized(description: string): GatehouseError {
  return new GatehouseError('GH_ERR_ADMIN_UNAUTHORIZED', `failed to check token: ${description}`, {
    body: { error_msg: 'failed to check token', description },
  });
}
