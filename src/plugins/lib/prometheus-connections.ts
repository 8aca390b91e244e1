/**
 * nginx's stub_status figures for one worker (`apisix_http_requests_total`,
 * `apisix_nginx_http_current_connections{state}`), counted from Node's built-in diagnostics
 * channels: every connection a server of this process accepts and every HTTP request it starts
 * (HTTP/2 ones through Gatehouse's own channel), whether or not a route with prometheus served
 * it, as nginx counts them. The primary sums the workers.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { HTTP2_REQUEST_START } from '../../core/channels.js';

export interface ConnectionCounts {
  /** Connections accepted since the process started (nginx `accepted`, and `handled`). */
  accepted: number;
  /** Connections open now (nginx `active`). */
  active: number;
  /** Requests started since the process started (nginx `requests`). */
  requests: number;
  /** Requests whose response is not finished (nginx `writing`). */
  writing: number;
}

let counts: ConnectionCounts | undefined;

/**
 * The process's counts, counting from the first call on (the channels are subscribed once).
 *
 * @example
 *   const c = connectionCounts();
 *   c.active - c.writing; // idle keep-alive connections (nginx `waiting`)
 */
export function connectionCounts(): Readonly<ConnectionCounts> {
  if (counts !== undefined) return counts;
  const c: ConnectionCounts = { accepted: 0, active: 0, requests: 0, writing: 0 };
  counts = c;
  const closed = (): void => void c.active--;
  const finished = (): void => void c.writing--;
  subscribe('net.server.socket', (message) => {
    c.accepted++;
    c.active++;
    (message as { socket: Socket }).socket.once('close', closed);
  });
  const started = (message: unknown): void => {
    c.requests++;
    c.writing++;
    // 'close' also comes when the client goes away before the response is finished.
    (message as { response: NodeJS.EventEmitter }).response.once('close', finished);
  };
  subscribe('http.server.request.start', started);
  // node:http2 publishes no such channel; the SSL listeners' HTTP/2 server does (same message).
  subscribe(HTTP2_REQUEST_START, started);
  return c;
}
