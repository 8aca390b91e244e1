import { GatehouseError } from '../core/errors.js';
import { badRequest } from './errors.js';
import { regexSearch, SEARCH_BUDGET_MS } from './regex-search.js';
import type { StoredEntry } from './store-view.js';

/** The only fields `filter=` may name, per resource (APISIX `list_filter_fields`). */
const FILTER_FIELDS: Readonly<Record<string, readonly string[]>> = {
  routes: ['service_id', 'upstream_id'],
  stream_routes: ['service_id', 'upstream_id'],
};

/**
 * The list filters and pagination of APISIX's v3 adapter: filter first (`name`, `label`, `uri`,
 * `filter`), count, then paginate only when both `page` and `page_size` are numbers (sorted by
 * creation revision; without pagination the order is key order).
 */
export function applyListQuery(
  dir: string,
  entries: readonly StoredEntry[],
  query: URLSearchParams,
): { list: StoredEntry[]; total: number } {
  const keep = buildFilter(dir, query);
  let filtered = entries.filter((e) => keep(e.value));
  // The regex searches last, over what the cheap filters left.
  filtered = search(filtered, query, 'name', (v) =>
    typeof v['name'] === 'string' ? [v['name']] : [],
  );
  filtered = search(filtered, query, 'uri', uris);
  return { list: paginate(filtered, query), total: filtered.length };
}

type Predicate = (value: Record<string, unknown>) => boolean;

function buildFilter(dir: string, query: URLSearchParams): Predicate {
  const checks: Predicate[] = [];
  const label = query.get('label');
  if (label !== null)
    checks.push((v) => isRecord(v['labels']) && Object.hasOwn(v['labels'], label));
  const filter = query.get('filter');
  if (filter !== null) checks.push(fieldFilter(dir, new URLSearchParams(filter)));
  return (v) => checks.every((check) => check(v));
}

/**
 * `name=` / `uri=`: an unanchored regex search in the texts `textsOf` an entry; a pattern
 * JavaScript cannot compile matches nothing. A search that runs past its time budget (a
 * pattern that backtracks catastrophically) is a 400 rather than a blocked Admin API.
 */
function search(
  entries: StoredEntry[],
  query: URLSearchParams,
  arg: 'name' | 'uri',
  textsOf: (value: Record<string, unknown>) => string[],
): StoredEntry[] {
  const source = query.get(arg);
  if (source === null) return entries;
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch {
    return [];
  }
  const texts: string[] = [];
  const entryOf: number[] = [];
  entries.forEach((e, i) => {
    for (const text of textsOf(e.value)) {
      texts.push(text);
      entryOf.push(i);
    }
  });
  const hits = regexSearch(re, texts);
  if (hits === undefined) {
    throw badRequest(
      `invalid argument ${arg}: the regular expression took more than ${SEARCH_BUDGET_MS} ms to search`,
    );
  }
  const kept = new Set(hits.map((h) => entryOf[h]));
  return entries.filter((_, i) => kept.has(i));
}

function uris(v: Record<string, unknown>): string[] {
  const all: string[] = [];
  if (typeof v['uri'] === 'string') all.push(v['uri']);
  if (Array.isArray(v['uris'])) for (const u of v['uris']) if (typeof u === 'string') all.push(u);
  return all;
}

/** Exact string equality on the whitelisted fields; an id stored as a number never matches. */
function fieldFilter(dir: string, params: URLSearchParams): Predicate {
  const allowed = FILTER_FIELDS[dir] ?? [];
  const wanted = new Map<string, string>();
  for (const [key, value] of params) if (allowed.includes(key)) wanted.set(key, value);
  return (v) => [...wanted].every(([key, value]) => v[key] === value);
}

function paginate(entries: StoredEntry[], query: URLSearchParams): StoredEntry[] {
  const page = luaNumber(query.get('page'));
  const pageSize = luaNumber(query.get('page_size'));
  if (page === undefined || pageSize === undefined) return entries;
  if (pageSize < 10 || pageSize > 500) {
    throw new GatehouseError('GH_ERR_ADMIN_BAD_REQUEST', 'page_size must be between 10 and 500', {
      body: 'page_size must be between 10 and 500',
    });
  }
  const sorted = [...entries].sort((a, b) => a.createRevision - b.createRevision);
  const first = (Math.max(Math.floor(page), 1) - 1) * pageSize;
  return sorted.slice(first, first + pageSize);
}

/** Lua's tonumber on a query value: undefined when absent or not a number. */
export function luaNumber(raw: string | null): number | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
