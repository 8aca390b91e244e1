/**
 * The HTTP router behind one small interface (STYLE.md habit 3): every implementation
 * (radixtree_host_uri, radixtree_uri, radixtree_uri_with_parameter) passes
 * test/contract/router.contract.ts. Changes are incremental: upsert/remove of one route costs
 * work proportional to that route, never a rebuild of all routes.
 */

import type { RequestVars } from '../core/expr/request-vars.js';

/**
 * Request variables, read lazily (building all of them per request would cost too much). One
 * declaration, in core/expr, shared with the expression compiler that reads them; it adds an
 * optional `getList` for list-valued variables (`has`).
 */
export type { RequestVars };

/** What the router needs to know about a route: its match predicates, already validated. */
export interface RouteMatchSpec {
  /** The route id; a second upsert with the same id replaces the route in place. */
  readonly id: string;
  /** `uri`, or every entry of `uris`. */
  readonly paths: readonly string[];
  /** Lower-cased; the route's `host`/`hosts`, else its service's `hosts`; absent = any host. */
  readonly hosts?: readonly string[];
  /** Upper-case methods; absent or empty = any method. */
  readonly methods?: readonly string[];
  /** IPs or CIDRs (v4 and v6) the client address must be in; absent = anyone. */
  readonly remoteAddrs?: readonly string[];
  /** The compiled `vars` expression; absent = always true. */
  readonly vars?: (vars: RequestVars) => boolean;
  /** The compiled `filter_func`; absent = always true. */
  readonly filter?: (vars: RequestVars) => boolean;
  /** Higher first, only among routes that share a path key (spec §4.2). */
  readonly priority: number;
}

export interface MatchRequest {
  /** Upper-case. */
  readonly method: string;
  /** The decoded path, no query string. */
  readonly path: string;
  /** `$host`: lower-case, no port. */
  readonly host: string;
  /** `$http_host`: the Host header as received (with port), for route hosts that carry a port. */
  readonly rawHost: string;
  /** The client address after real-ip handling. */
  readonly remoteAddr: string;
  readonly vars: RequestVars;
}

export interface RouteMatch {
  readonly id: string;
  /** `uri_param_<name>` captures of parameter routes. */
  readonly params?: Readonly<Record<string, string>>;
}

export interface Router {
  /** Adds the route, or replaces the route with the same id (keeping its insertion order). */
  upsert(spec: RouteMatchSpec): void;
  remove(id: string): void;
  match(req: MatchRequest): RouteMatch | undefined;
  readonly size: number;
}

export type RouterKind = 'radixtree_host_uri' | 'radixtree_uri' | 'radixtree_uri_with_parameter';
