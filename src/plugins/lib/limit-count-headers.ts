/**
 * limit-count's quota headers: names from the conf (`limit_header`... as APISIX reads them when
 * present), else plugin metadata, else X-RateLimit-Limit/Remaining/Reset; a rule's prefix goes
 * in before the first "RateLimit-". The values wait in `ctx.data` for header_filter, so they
 * reach the client on a proxied response and on a rejection alike.
 */
import type { PluginContext, ResponseView } from '../../plugin/types.js';
import { METADATA_DEFAULTS } from './limit-count-schema.js';

type Trio = readonly [limit: string, remaining: string, reset: string];

const FIELDS = ['limit_header', 'remaining_header', 'reset_header'] as const;

function baseName(
  conf: Readonly<Record<string, unknown>>,
  meta: Readonly<Record<string, unknown>> | undefined,
  field: (typeof FIELDS)[number],
): string {
  const own = conf[field] ?? meta?.[field];
  return typeof own === 'string' ? own : METADATA_DEFAULTS[field];
}

/**
 * Per conf: the header names per rule prefix, for the metadata object they were made from. The
 * last ones asked for are kept apart: a conf without `rules` has one prefix, found without a
 * Map lookup.
 */
export class HeaderNames {
  readonly #conf: Readonly<Record<string, unknown>>;
  readonly #byPrefix = new Map<string | undefined, { from: unknown; names: Trio }>();
  #lastPrefix: string | undefined = undefined;
  #lastFrom: unknown = null;
  #last: Trio | undefined = undefined;

  constructor(conf: Readonly<Record<string, unknown>>) {
    this.#conf = conf;
  }

  of(prefix: string | undefined, ctx: PluginContext): Trio {
    const meta = ctx.env.metadata('limit-count');
    if (this.#last !== undefined && prefix === this.#lastPrefix && meta === this.#lastFrom) {
      return this.#last;
    }
    const hit = this.#byPrefix.get(prefix);
    let names: Trio;
    if (hit !== undefined && hit.from === meta) names = hit.names;
    else {
      names = FIELDS.map((field) => {
        const base = baseName(this.#conf, meta, field);
        return prefix === undefined
          ? base
          : base.replace('RateLimit-', () => `${prefix}-RateLimit-`);
      }) as unknown as Trio;
      this.#byPrefix.set(prefix, { from: meta, names });
    }
    this.#lastPrefix = prefix;
    this.#lastFrom = meta;
    this.#last = names;
    return names;
  }
}

/**
 * The reset header's text: a window's reset (seconds, two decimals) changes every 10 ms, and a
 * busy route sends many requests in that time, so the last conversion is kept; a new one is
 * printed from integers (a number with decimals is slow to print).
 */
export class ResetText {
  #value = NaN;
  #text = '';

  of(reset: number): string {
    if (reset !== this.#value) {
      this.#value = reset;
      this.#text = twoDecimals(reset);
    }
    return this.#text;
  }
}

/**
 * `String(x)` for a non-negative number with at most two decimals (`60`, `59.9`, `0.05`), from
 * its integer parts; anything else (larger, more decimals) goes to String.
 */
export function twoDecimals(x: number): string {
  const hundredths = Math.round(x * 100);
  if (!(hundredths >= 0 && hundredths < 0x40000000) || hundredths / 100 !== x) return String(x);
  const whole = Math.floor(hundredths / 100);
  const frac = hundredths % 100;
  if (frac === 0) return String(whole);
  if (frac % 10 === 0) return `${whole}.${frac / 10}`;
  return `${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

/** The key of the headers waiting for header_filter in `ctx.data` (the last QuotaRecord). */
export const PENDING = 'limit-count';

/** One rule's headers, waiting for header_filter; `prev` is the one recorded before it. */
class QuotaRecord {
  constructor(
    readonly names: Trio,
    readonly limit: string,
    readonly remaining: number,
    readonly reset: string,
    readonly prev: QuotaRecord | undefined,
  ) {}
}

/**
 * Records this rule's headers for header_filter. A later limit-count (a route's after a global
 * rule's) overwrites a header of the same name, as APISIX's later set_header does: the flush sets
 * them in order.
 */
export function recordQuotaHeaders(
  names: Trio,
  ctx: PluginContext,
  limit: string,
  remaining: number,
  reset: string,
): void {
  const data = ctx.data;
  const prev = data.get(PENDING) as QuotaRecord | undefined;
  data.set(PENDING, new QuotaRecord(names, limit, remaining, reset, prev));
}

/** The headers recorded so far, for a rejection response (header_filter sets them again). */
export function recordedQuotaHeaders(ctx: PluginContext): Record<string, string> | undefined {
  const last = ctx.data.get(PENDING) as QuotaRecord | undefined;
  if (last === undefined) return undefined;
  const inOrder: QuotaRecord[] = [];
  for (let r: QuotaRecord | undefined = last; r !== undefined; r = r.prev) inOrder.unshift(r);
  const out: Record<string, string> = {};
  for (const { names, limit, remaining, reset } of inOrder) {
    out[names[0]] = limit;
    out[names[1]] = String(remaining);
    out[names[2]] = reset;
  }
  return out;
}

/** header_filter: puts the recorded headers on the response, the first recorded first. */
export function flushQuotaHeaders(ctx: PluginContext): void {
  const last = ctx.data.get(PENDING) as QuotaRecord | undefined;
  if (last !== undefined) setRecorded(ctx.response, last);
}

function setRecorded(response: ResponseView, r: QuotaRecord): void {
  if (r.prev !== undefined) setRecorded(response, r.prev);
  const { names } = r;
  response.setHeader(names[0], r.limit);
  response.setHeader(names[1], String(r.remaining));
  response.setHeader(names[2], r.reset);
}
