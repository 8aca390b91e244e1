import { GatehouseError } from '../core/errors.js';
import type { CheckContext } from './types.js';

/** Rejects a write with APISIX's exact `error_msg`. */
export function fail(message: string): never {
  throw new GatehouseError('GH_ERR_ADMIN_BAD_REQUEST', message);
}

/** `tostring(id)` as APISIX compares ids: `1` and `"1"` are the same id. */
export function idString(id: unknown): string {
  return typeof id === 'string' ? id : JSON.stringify(id);
}

/**
 * A write-time reference check: `<dir>/<id>` must exist, else APISIX's
 * `failed to fetch <noun> info by <noun> id [<id>], response code: 404`.
 */
export async function requireReference(
  ctx: CheckContext,
  dir: string,
  noun: string,
  id: unknown,
): Promise<Record<string, unknown>> {
  const value = await ctx.get(dir, idString(id));
  if (value === undefined) {
    fail(`failed to fetch ${noun} info by ${noun} id [${idString(id)}], response code: 404`);
  }
  return value;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
