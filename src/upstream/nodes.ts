import { isIP } from 'node:net';
import type { UpstreamNode } from '../balancer/types.js';

/** A node as the upstream schema accepts it in array form (spec §3.3). */
export interface NodeConfig {
  readonly host: string;
  readonly port?: number;
  readonly weight: number;
  readonly priority?: number;
}

/** `nodes` as stored: `{"host[:port]": weight}` or an array of NodeConfig. */
export type NodesConfig = Readonly<Record<string, number>> | readonly NodeConfig[];

const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  http: 80,
  grpc: 80,
  https: 443,
  grpcs: 443,
};

/** The port a scheme implies, or undefined for L4 schemes, which fill none (spec §5.1). */
export function defaultPort(scheme: string): number | undefined {
  return DEFAULT_PORTS[scheme];
}

/**
 * The nodes of an upstream as the balancer sees them (spec §5.1, apisix/upstream.lua
 * `fill_node_info`): map form becomes an array, a missing port takes the scheme's default, a
 * missing priority is 0, IPv6 hosts lose their brackets and keys get them back (`[::1]:80`).
 * An L4 node without a port keeps port 0, which the stream proxy reports as unusable, because
 * APISIX fills no port there either. Runs once per upstream version, never per request.
 *
 * @example normaliseNodes({ '[::1]:8080': 1, 'a.example': 2 }, 'https')
 *   // [{ host: '::1', port: 8080, ... key: '[::1]:8080' }, { host: 'a.example', port: 443, ... }]
 */
export function normaliseNodes(nodes: NodesConfig, scheme = 'http'): UpstreamNode[] {
  const fallbackPort = defaultPort(scheme) ?? 0;
  const list: readonly NodeConfig[] = isNodeArray(nodes)
    ? nodes
    : Object.entries(nodes).map(([address, weight]) => ({ ...splitAddress(address), weight }));
  return list.map((n) => makeNode(n.host, n.port ?? fallbackPort, n.weight, n.priority ?? 0));
}

/** One node with its identity key computed once. */
export function makeNode(host: string, port: number, weight: number, priority = 0): UpstreamNode {
  const bare = unbracket(host);
  return { host: bare, port, weight, priority, key: nodeKey(bare, port) };
}

/** `host:port`, IPv6 in brackets: the key of `tried` sets and stats. */
export function nodeKey(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Splits a map-form key `host[:port]`. `[v6]` and `[v6]:port` are IPv6; a bare IPv6 address is
 * taken whole (the Admin API rejects it, but a yaml-provided config is not checked by it).
 */
export function splitAddress(address: string): { host: string; port?: number } {
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    const host = address.slice(1, close < 0 ? undefined : close);
    const rest = close < 0 ? '' : address.slice(close + 1);
    return rest.startsWith(':') ? { host, port: Number(rest.slice(1)) } : { host };
  }
  if (isIP(address) === 6) return { host: address };
  const colon = address.lastIndexOf(':');
  if (colon < 0) return { host: address };
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

function isNodeArray(nodes: NodesConfig): nodes is readonly NodeConfig[] {
  return Array.isArray(nodes);
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
