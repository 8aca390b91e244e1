import { isDeepStrictEqual } from 'node:util';
import type { RouteMatchSpec } from '../router/types.js';
import type { LoadedItem } from './types.js';
import { compileFilter } from './filter-func.js';
import { compileVars } from './vars.js';

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.length > 0
    ? v.filter((x): x is string => typeof x === 'string')
    : undefined;

function oneOrMany(one: unknown, many: unknown): string[] | undefined {
  if (typeof one === 'string') return [one];
  return strings(many);
}

/**
 * The router's view of a route: its predicates, with hosts taken from the route or else from its
 * service (spec §4.1), lower-cased. Returns an error text when `vars` or `filter_func` does not
 * compile. Called once per route version: the compiled predicates live in the router.
 */
export function matchSpecOf(
  route: LoadedItem,
  service: LoadedItem | undefined,
): RouteMatchSpec | string {
  const v = route.value;
  const paths = oneOrMany(v.uri, v.uris) ?? [];
  const hosts = oneOrMany(v.host, v.hosts) ?? strings(service?.value.hosts);
  const methods = strings(v.methods);
  const remoteAddrs = oneOrMany(v.remote_addr, v.remote_addrs);
  const spec: {
    -readonly [K in keyof RouteMatchSpec]: RouteMatchSpec[K];
  } = { id: route.id, paths, priority: typeof v.priority === 'number' ? v.priority : 0 };
  if (hosts !== undefined) spec.hosts = hosts.map((h) => h.toLowerCase());
  if (methods !== undefined) spec.methods = methods;
  if (remoteAddrs !== undefined) spec.remoteAddrs = remoteAddrs;
  if (Array.isArray(v.vars) && v.vars.length > 0) {
    const vars = compileVars(v.vars);
    if (typeof vars === 'string') return `failed to compile vars: ${vars}`;
    spec.vars = vars;
  }
  if (typeof v.filter_func === 'string') {
    const filter = compileFilter(v.filter_func);
    if (typeof filter === 'string') return filter;
    spec.filter = filter;
  }
  return spec;
}

/** Routes with `status: 0` stay loaded (the Control API shows them) but are not routable. */
export function isEnabled(route: LoadedItem): boolean {
  return route.value.status !== 0;
}

/**
 * The fields of a route that `matchSpecOf` and `isEnabled` read (`service_id` for the service's
 * hosts): a new version that changes none of them routes as the old one did.
 */
const ROUTING_FIELDS = [
  'uri',
  'uris',
  'host',
  'hosts',
  'methods',
  'remote_addr',
  'remote_addrs',
  'vars',
  'filter_func',
  'priority',
  'status',
  'service_id',
] as const;

/**
 * Whether two versions of a route are routed alike (same predicates, same enabled state), so a
 * write that changes only what the route does (upstream, plugins, `desc`) leaves the router be.
 */
export function sameRouting(a: LoadedItem, b: LoadedItem): boolean {
  for (const field of ROUTING_FIELDS) {
    if (!isDeepStrictEqual(a.value[field], b.value[field])) return false;
  }
  return true;
}
