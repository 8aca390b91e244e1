import { Bucket } from './bucket.js';
import { routeAccepts, type CompiledRoute, type MatchErrorHandler } from './compiled-route.js';
import { execPattern } from './path-pattern.js';
import { RadixTree } from './radix-tree.js';
import type { MatchRequest, RouteMatch } from './types.js';

/**
 * The routes of one URI tree (spec §4.2): exact paths in a hash, prefix keys in a radix tree.
 * A match tries the exact bucket, then prefix buckets from the longest key to the shortest,
 * and in each bucket the first route whose checks pass wins.
 */
export class PathTable {
  readonly #exact = new Map<string, Bucket>();
  readonly #prefix = new RadixTree<Bucket>();
  readonly #onError: MatchErrorHandler | undefined;
  // Built once so that the tree walk passes the request through without a closure per match.
  readonly #visit: (bucket: Bucket, req: MatchRequest) => RouteMatch | undefined;
  #entries = 0;

  constructor(onError: MatchErrorHandler | undefined) {
    this.#onError = onError;
    this.#visit = (bucket, req) => matchBucket(bucket, req, onError);
  }

  /** True when no route is left, so an owner can drop the table. */
  get empty(): boolean {
    return this.#entries === 0;
  }

  add(route: CompiledRoute): void {
    for (const path of route.paths) {
      let bucket = path.exact ? this.#exact.get(path.key) : this.#prefix.get(path.key);
      if (bucket === undefined) {
        bucket = new Bucket();
        if (path.exact) this.#exact.set(path.key, bucket);
        else this.#prefix.set(path.key, bucket);
      }
      bucket.add({ route, pathLength: path.original.length, pattern: path.pattern });
      this.#entries++;
    }
  }

  remove(route: CompiledRoute): void {
    for (const path of route.paths) {
      const bucket = path.exact ? this.#exact.get(path.key) : this.#prefix.get(path.key);
      if (bucket === undefined) continue;
      const before = bucket.entries.length;
      if (bucket.removeRoute(route)) {
        if (path.exact) this.#exact.delete(path.key);
        else this.#prefix.delete(path.key);
      }
      this.#entries -= before - bucket.entries.length;
    }
  }

  match(req: MatchRequest): RouteMatch | undefined {
    const exact = this.#exact.get(req.path);
    if (exact !== undefined) {
      for (const entry of exact.entries) {
        if (routeAccepts(entry.route, req, this.#onError)) return entry.route.result;
      }
    }
    return this.#prefix.find(req.path, this.#visit, req);
  }

  /** Radix nodes in use, for tests that check that removal prunes. */
  get prefixNodes(): number {
    return this.#prefix.nodeCount;
  }
}

function matchBucket(
  bucket: Bucket,
  req: MatchRequest,
  onError: MatchErrorHandler | undefined,
): RouteMatch | undefined {
  for (const entry of bucket.entries) {
    if (!routeAccepts(entry.route, req, onError)) continue;
    if (entry.pattern === undefined) return entry.route.result;
    const params = execPattern(entry.pattern, req.path);
    if (params !== undefined) return { id: entry.route.id, params };
  }
  return undefined;
}
