/**
 * limit-count's quota headers: names from the conf (`limit_header`... as APISIX reads them when
 * present), else plugin metadata, else X-RateLimit-Limit/Remaining/Reset; a rule's prefix goes
 * in before the first "RateLimit-". The values wait in `ctx.data` for header_filter, so they
 * reach the client on a proxied response and on a rejection alike.
 */
import type { PluginContext } from '../../plugin/types.js';
import { METADATA_DEFAULTS } from './limit-count-schema.js';

type Trio = readonly [limit: string, remaining: string, reset: string];

/** Per conf: the names per rule prefix, for the metadata object they were made from. */
export type HeaderNames = Map<string | undefined, { from: unknown; names: Trio }>;

const FIELDS = ['limit_header', 'remaining_header', 'reset_header'] as const;

function baseName(
  conf: Readonly<Record<string, unknown>>,
  meta: Readonly<Record<string, unknown>> | undefined,
  field: (typeof FIELDS)[number],
): string {
  const own = conf[field] ?? meta?.[field];
  return typeof own === 'string' ? own : METADATA_DEFAULTS[field];
}

function namesFor(
  cache: HeaderNames,
  conf: Readonly<Record<string, unknown>>,
  prefix: string | undefined,
  ctx: PluginContext,
): Trio {
  const meta = ctx.env.metadata('limit-count');
  const hit = cache.get(prefix);
  if (hit !== undefined && hit.from === meta) return hit.names;
  const names = FIELDS.map((field) => {
    const base = baseName(conf, meta, field);
    return prefix === undefined ? base : base.replace('RateLimit-', () => `${prefix}-RateLimit-`);
  }) as unknown as Trio;
  cache.set(prefix, { from: meta, names });
  return names;
}

/**
 * The reset header's text: a window's reset (seconds, two decimals) changes every 10 ms, and a
 * busy route sends many requests in that time, so the last conversion is kept (a number with
 * decimals is slow to print).
 */
export class ResetText {
  #value = NaN;
  #text = '';

  of(reset: number): string {
    if (reset !== this.#value) {
      this.#value = reset;
      this.#text = String(reset);
    }
    return this.#text;
  }
}

/** The key of the headers waiting for header_filter in `ctx.data`: name, value, name, value... */
export const PENDING = 'limit-count';

/**
 * Records this rule's headers for header_filter. A later limit-count (a route's after a global
 * rule's) overwrites a header of the same name, as APISIX's later set_header does: the flush sets
 * them in order.
 */
export function recordQuotaHeaders(
  cache: HeaderNames,
  conf: Readonly<Record<string, unknown>>,
  prefix: string | undefined,
  ctx: PluginContext,
  limit: string,
  remaining: number,
  reset: string,
): void {
  const [limitName, remainingName, resetName] = namesFor(cache, conf, prefix, ctx);
  const values = [limitName, limit, remainingName, String(remaining), resetName, reset];
  const pending = ctx.data.get(PENDING) as string[] | undefined;
  if (pending === undefined) ctx.data.set(PENDING, values);
  else pending.push(...values);
}

/** The headers recorded so far, for a rejection response (header_filter sets them again). */
export function recordedQuotaHeaders(ctx: PluginContext): Record<string, string> | undefined {
  const pending = ctx.data.get(PENDING) as string[] | undefined;
  if (pending === undefined) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < pending.length; i += 2) out[pending[i]!] = pending[i + 1]!;
  return out;
}

/** header_filter: puts the recorded headers on the response. */
export function flushQuotaHeaders(ctx: PluginContext): void {
  const pending = ctx.data.get(PENDING) as string[] | undefined;
  if (pending === undefined) return;
  for (let i = 0; i < pending.length; i += 2) ctx.response.setHeader(pending[i]!, pending[i + 1]);
}
