import type { MatchErrorHandler } from './compiled-route.js';
import { PathTable } from './path-table.js';
import { RouteSet } from './route-set.js';
import type { MatchRequest, RouteMatch, RouteMatchSpec, Router } from './types.js';

/**
 * `radixtree_uri` and `radixtree_uri_with_parameter` (spec §4.1): one URI tree over every
 * route; hosts are one of the per-route checks. `params` turns `:name` into a parameter.
 */
export class UriRouter implements Router {
  readonly #routes: RouteSet;
  readonly #table: PathTable;

  constructor(opts: { params: boolean; onError?: MatchErrorHandler }) {
    this.#routes = new RouteSet({ params: opts.params, checkHosts: true });
    this.#table = new PathTable(opts.onError);
  }

  get size(): number {
    return this.#routes.size;
  }

  upsert(spec: RouteMatchSpec): void {
    const { route, old } = this.#routes.put(spec);
    if (old !== undefined) this.#table.remove(old);
    this.#table.add(route);
  }

  remove(id: string): void {
    const old = this.#routes.take(id);
    if (old !== undefined) this.#table.remove(old);
  }

  match(req: MatchRequest): RouteMatch | undefined {
    return this.#table.match(req);
  }
}
