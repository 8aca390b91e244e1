import type { Server, ServerResponse } from 'node:http';
import type { ClientTimeouts } from '../config/types.js';

/** What of `nginx_config.http` the listeners apply to client connections. */
export type ListenerTimeouts = Pick<
  ClientTimeouts,
  'keepalive_timeout' | 'keepalive_header_timeout' | 'client_header_timeout'
>;

/** APISIX's defaults (apisix/cli/config.lua): 60 s idle, 60 s for a head, no Keep-Alive header. */
export const DEFAULT_LISTENER_TIMEOUTS: ListenerTimeouts = {
  keepalive_timeout: 60_000,
  keepalive_header_timeout: undefined,
  client_header_timeout: 60_000,
};

/**
 * nginx's `keepalive_requests` default (1000 since nginx 1.19.10). APISIX has no config.yaml key
 * for the client side (only `nginx_config.http.upstream.keepalive_requests`), so a constant.
 */
export const KEEPALIVE_REQUESTS = 1000;

/** node 20 keeps an idle connection this much longer than `keepAliveTimeout` (its header margin). */
const NODE_KEEPALIVE_MARGIN_MS = 1000;

/** node:http's per-response fields that decide the `Keep-Alive` header (lib/_http_outgoing.js). */
type NodeResponse = ServerResponse & {
  _keepAliveTimeout: number;
  _maxRequestsPerSocket: number;
  /** Set by node when this request is the connection's `maxRequestsPerSocket`-th. */
  maxRequestsOnConnectionReached: boolean;
};

/**
 * The connection rules nginx applies, on a node:http server:
 * - `keepalive_timeout`: node's idle timer, less the second node adds past what it advertises
 *   (values under a second end up one second long). nginx's 0 turns keep-alive off.
 * - `client_header_timeout`: node's headersTimeout, which also covers a new connection that
 *   sends nothing, as nginx. node checks it on an interval, 30 s by default: a quarter of the
 *   timeout, at most a second, keeps the cut close to the configured time.
 * - `keepalive_requests`: node counts the requests of a connection; see `applyPerResponse`.
 */
export function serverOptions(t: ListenerTimeouts): {
  keepAliveTimeout: number;
  headersTimeout: number;
  connectionsCheckingInterval: number;
} {
  const idle = t.keepalive_timeout;
  return {
    keepAliveTimeout: idle > NODE_KEEPALIVE_MARGIN_MS ? idle - NODE_KEEPALIVE_MARGIN_MS : idle || 1,
    headersTimeout: t.client_header_timeout,
    connectionsCheckingInterval: Math.min(1000, Math.max(100, t.client_header_timeout >> 2)),
  };
}

export function configureServer(server: Server): void {
  server.maxRequestsPerSocket = KEEPALIVE_REQUESTS;
}

/**
 * What a response must say about its connection, set before the handler runs (two stores and a
 * test per request, no allocation):
 * - no `Keep-Alive` header unless keepalive_timeout has its second parameter, as nginx (node
 *   writes `Keep-Alive: timeout=<its idle time>, max=<its limit>` on every response otherwise);
 * - the response that reaches keepalive_requests, or any with keep-alive off, closes the
 *   connection. node only says `Connection: close` there and keeps reading, answering what
 *   follows with 503; nginx closes.
 */
export function applyPerResponse(res: ServerResponse, headerMs: number, keepAlive: boolean): void {
  const r = res as NodeResponse;
  r._keepAliveTimeout = headerMs;
  r._maxRequestsPerSocket = 0;
  if (!keepAlive || r.maxRequestsOnConnectionReached) r.shouldKeepAlive = false;
}
