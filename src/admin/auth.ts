import * as crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AdminKey } from '../config/types.js';
import { GatehouseError } from '../core/errors.js';

/**
 * The admin-key check of APISIX (`check_token`): the token comes from `?api_key=`, else the
 * `X-API-KEY` header, else the `x_api_key` cookie; role `viewer` may only GET. Keys are
 * compared through SHA-256 digests with timingSafeEqual, so neither the key's content nor its
 * length leaks through timing, and every configured key is compared (no early exit).
 */
export class AdminAuth {
  readonly #keys: readonly { digest: Buffer; role: AdminKey['role'] }[];
  readonly #required: boolean;

  constructor(keys: readonly AdminKey[], required: boolean) {
    this.#keys = keys.map((k) => ({ digest: digest(k.key), role: k.role }));
    // APISIX skips the check when no key list is configured at all.
    this.#required = required && keys.length > 0;
  }

  /** Throws 401 with APISIX's body when the request may not proceed. */
  check(method: string, query: URLSearchParams, headers: IncomingHttpHeaders): void {
    if (!this.#required) return;
    const token = findToken(query, headers);
    if (token === undefined) throw unauthorized('missing apikey');
    const presented = digest(token);
    let role: AdminKey['role'] | undefined;
    for (const key of this.#keys) {
      if (crypto.timingSafeEqual(key.digest, presented) && role === undefined) role = key.role;
    }
    if (role === undefined) throw unauthorized('wrong apikey');
    if (role === 'viewer' && method !== 'GET') throw unauthorized('invalid method for role viewer');
  }
}

/**
 * The one-shot `crypto.hash` (Node 20.12+) costs a third of a Hash object per request; older
 * Node 20 releases lack it.
 */
const oneShot = (crypto as Partial<Pick<typeof crypto, 'hash'>>).hash;

function digest(value: string): Buffer {
  if (oneShot !== undefined) return oneShot('sha256', value, 'buffer');
  return crypto.createHash('sha256').update(value, 'utf8').digest();
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
