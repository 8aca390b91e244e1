import type { KeyValue } from '../core/kv.js';

/** A resource as `/v1/routes` and friends show it (APISIX's in-memory config item). */
export interface DumpedItem {
  key: string;
  value: unknown;
  createdIndex: number;
  modifiedIndex: number;
}

/**
 * The items of one directory (`routes`, `services`, ...) of the primary's state, parsed. Values
 * that are not JSON objects (APISIX's `init_dir` placeholders, a broken write) are skipped, as
 * APISIX skips them when it loads.
 */
export function dumpDir(
  items: ReadonlyMap<string, KeyValue>,
  prefix: string,
  dir: string,
): DumpedItem[] {
  const start = `${prefix.replace(/\/$/, '')}/${dir}/`;
  const out: DumpedItem[] = [];
  for (const [key, kv] of items) {
    if (!key.startsWith(start) || key.length === start.length) continue;
    const value = parseObject(kv.value);
    if (value === undefined) continue;
    out.push({ key, value, createdIndex: kv.createRevision, modifiedIndex: kv.modRevision });
  }
  return out;
}

/** The one item of `dir` whose `value.id` (or key suffix) is `id`. */
export function dumpOne(
  items: ReadonlyMap<string, KeyValue>,
  prefix: string,
  dir: string,
  id: string,
): DumpedItem | undefined {
  const key = `${prefix.replace(/\/$/, '')}/${dir}/${id}`;
  const kv = items.get(key);
  if (kv === undefined) return undefined;
  const value = parseObject(kv.value);
  if (value === undefined) return undefined;
  return { key, value, createdIndex: kv.createRevision, modifiedIndex: kv.modRevision };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
