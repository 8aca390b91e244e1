import { GatehouseError } from '../core/errors.js';
import { parseIpList, type IpList } from '../core/expr/ip-list.js';
import { hostFilter, type HostFilter } from './host-filter.js';
import { methodBit, methodMask } from './methods.js';
import { parsePath, type ParsedPath } from './path-pattern.js';
import type { MatchRequest, RequestVars, RouteMatch, RouteMatchSpec } from './types.js';

/** A route as the routers keep it: everything a request check needs, built at upsert. */
export interface CompiledRoute {
  readonly id: string;
  /** Insertion position: kept when the same id is upserted again (spec §4.2 ties). */
  readonly seq: number;
  readonly priority: number;
  readonly methods: number;
  readonly remoteAddrs: IpList | undefined;
  readonly hosts: HostFilter | undefined;
  readonly vars: ((vars: RequestVars) => boolean) | undefined;
  readonly filter: ((vars: RequestVars) => boolean) | undefined;
  readonly paths: readonly ParsedPath[];
  /** `hosts` as given, for the host router that files the route under each of them. */
  readonly hostList: readonly string[] | undefined;
  /** The answer for a match without parameters, built once so a match allocates nothing. */
  readonly result: RouteMatch;
}

export interface CompileOptions {
  readonly seq: number;
  /** radixtree_uri_with_parameter: `:name` starts a parameter. */
  readonly params: boolean;
  /** radixtree_uri*: hosts are a per-route check; radixtree_host_uri resolves them outside. */
  readonly checkHosts: boolean;
}

export function compileRoute(spec: RouteMatchSpec, opts: CompileOptions): CompiledRoute {
  let remoteAddrs: IpList | undefined;
  if (spec.remoteAddrs !== undefined && spec.remoteAddrs.length > 0) {
    const list = parseIpList(spec.remoteAddrs);
    if (typeof list === 'string') {
      throw new GatehouseError('GH_ERR_ADMIN_BAD_REQUEST', `invalid IP address: ${list}`);
    }
    remoteAddrs = list;
  }
  const hostList = spec.hosts !== undefined && spec.hosts.length > 0 ? spec.hosts : undefined;
  return {
    id: spec.id,
    seq: opts.seq,
    priority: spec.priority,
    methods: methodMask(spec.methods),
    remoteAddrs,
    hosts: opts.checkHosts ? hostFilter(hostList) : undefined,
    vars: spec.vars,
    filter: spec.filter,
    paths: spec.paths.map((p) => parsePath(p, opts.params)),
    hostList,
    result: Object.freeze({ id: spec.id }),
  };
}

/** Called when a route's `vars` or filter throws; the route then does not match. */
export type MatchErrorHandler = (routeId: string, err: unknown) => void;

/**
 * The per-route checks of spec §4.3, in radixtree's order: methods, remote_addrs, hosts, vars,
 * filter (the parameter regex comes after, in the path table).
 */
export function routeAccepts(
  route: CompiledRoute,
  req: MatchRequest,
  onError: MatchErrorHandler | undefined,
): boolean {
  if (route.methods !== 0 && (route.methods & methodBit(req.method)) === 0) return false;
  if (route.remoteAddrs !== undefined && !route.remoteAddrs.has(req.remoteAddr)) return false;
  if (route.hosts !== undefined && !route.hosts(req)) return false;
  if (route.vars === undefined && route.filter === undefined) return true;
  try {
    if (route.vars !== undefined && !route.vars(req.vars)) return false;
    return route.filter === undefined || route.filter(req.vars);
  } catch (err) {
    // APISIX logs an expression that fails to evaluate and treats the route as not matching.
    onError?.(route.id, err);
    return false;
  }
}
