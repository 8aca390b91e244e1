import type { CompiledRoute, MatchErrorHandler } from './compiled-route.js';
import { PathTable } from './path-table.js';
import { RadixTree } from './radix-tree.js';
import { RouteSet } from './route-set.js';
import type { MatchRequest, RouteMatch, RouteMatchSpec, Router } from './types.js';

/**
 * `radixtree_host_uri` (spec §4.1), two levels: routes with hosts are filed in one URI table per
 * host; a request tries its exact host, then wildcard hosts from the longest suffix to `*`, and
 * only then the table of host-less routes. So any host route beats any host-less one, whatever
 * the priorities. The host is `$host` (no port): a route host with a port is never reached.
 */
export class HostUriRouter implements Router {
  readonly #routes = new RouteSet({ params: false, checkHosts: false });
  readonly #onError: MatchErrorHandler | undefined;
  readonly #exactHosts = new Map<string, PathTable>();
  /** `*.foo.com` under the suffix `.foo.com`, `*` under the empty suffix. */
  readonly #wildHosts = new RadixTree<PathTable>({ reverse: true });
  readonly #anyHost: PathTable;
  readonly #visit = (table: PathTable, req: MatchRequest): RouteMatch | undefined =>
    table.match(req);

  constructor(opts: { onError?: MatchErrorHandler } = {}) {
    this.#onError = opts.onError;
    this.#anyHost = new PathTable(opts.onError);
  }

  get size(): number {
    return this.#routes.size;
  }

  upsert(spec: RouteMatchSpec): void {
    const { route, old } = this.#routes.put(spec);
    if (old !== undefined) this.#unfile(old);
    this.#file(route);
  }

  remove(id: string): void {
    const old = this.#routes.take(id);
    if (old !== undefined) this.#unfile(old);
  }

  match(req: MatchRequest): RouteMatch | undefined {
    const exact = this.#exactHosts.get(req.host);
    if (exact !== undefined) {
      const found = exact.match(req);
      if (found !== undefined) return found;
    }
    return this.#wildHosts.find(req.host, this.#visit, req) ?? this.#anyHost.match(req);
  }

  #file(route: CompiledRoute): void {
    if (route.hostList === undefined) {
      this.#anyHost.add(route);
      return;
    }
    for (const host of new Set(route.hostList)) {
      if (host.includes(':')) continue;
      let table = this.#tableFor(host);
      if (table === undefined) {
        table = new PathTable(this.#onError);
        if (host.startsWith('*')) this.#wildHosts.set(host.slice(1), table);
        else this.#exactHosts.set(host, table);
      }
      table.add(route);
    }
  }

  #unfile(route: CompiledRoute): void {
    if (route.hostList === undefined) {
      this.#anyHost.remove(route);
      return;
    }
    for (const host of new Set(route.hostList)) {
      const table = this.#tableFor(host);
      if (table === undefined) continue;
      table.remove(route);
      if (!table.empty) continue;
      if (host.startsWith('*')) this.#wildHosts.delete(host.slice(1));
      else this.#exactHosts.delete(host);
    }
  }

  #tableFor(host: string): PathTable | undefined {
    return host.startsWith('*') ? this.#wildHosts.get(host.slice(1)) : this.#exactHosts.get(host);
  }
}
