import type { KeyValue, WatchEvent } from '../core/kv.js';

/**
 * The events that turn `known` into `current` (a fresh read at `revision`): a put for every key
 * that is new or whose mod revision changed, a delete for every key that is gone. Puts come in
 * revision order, deletes last, so a consumer applying them in order sees each write as the
 * store made it. Unchanged keys produce nothing: a re-read after compaction costs the workers
 * only what really changed.
 */
export function diffItems(
  known: ReadonlyMap<string, KeyValue>,
  current: readonly KeyValue[],
  revision: number,
): WatchEvent[] {
  const puts: KeyValue[] = [];
  const present = new Set<string>();
  for (const kv of current) {
    present.add(kv.key);
    const old = known.get(kv.key);
    if (old === undefined || old.modRevision !== kv.modRevision || old.value !== kv.value) {
      puts.push(kv);
    }
  }
  puts.sort((a, b) => a.modRevision - b.modRevision);
  const events: WatchEvent[] = puts.map((kv) => ({ type: 'put', kv }));
  for (const key of known.keys()) {
    if (!present.has(key)) events.push({ type: 'delete', key, modRevision: revision });
  }
  return events;
}
