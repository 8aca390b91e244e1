import type { CompiledRoute } from './compiled-route.js';
import type { ParamPattern } from './path-pattern.js';

/** One route under one path key; a route with several paths has one entry per path. */
export interface BucketEntry {
  readonly route: CompiledRoute;
  readonly pathLength: number;
  readonly pattern: ParamPattern | undefined;
}

/**
 * The routes that share one exact path or one prefix key, in radixtree's order: priority
 * descending, then the longer original path, then insertion order. Kept sorted on insert, so a
 * match only walks it.
 */
export class Bucket {
  // Replaced by an exact-size copy on each change (toSpliced), never grown in place: push,
  // spread and filter reserve 17 slots, and most buckets of a large route table hold one entry
  // for good (100k routes: ~12 MiB of empty slots).
  #entries: readonly BucketEntry[] = [];

  get entries(): readonly BucketEntry[] {
    return this.#entries;
  }

  add(entry: BucketEntry): void {
    const list = this.#entries;
    const at = list.findIndex((other) => before(entry, other));
    this.#entries = list.toSpliced(at === -1 ? list.length : at, 0, entry);
  }

  /** Removes every entry of the route; true when the bucket is now empty. */
  removeRoute(route: CompiledRoute): boolean {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      if (this.#entries[i]?.route === route) this.#entries = this.#entries.toSpliced(i, 1);
    }
    return this.#entries.length === 0;
  }
}

function before(a: BucketEntry, b: BucketEntry): boolean {
  if (a.route.priority !== b.route.priority) return a.route.priority > b.route.priority;
  if (a.pathLength !== b.pathLength) return a.pathLength > b.pathLength;
  return a.route.seq < b.route.seq;
}
