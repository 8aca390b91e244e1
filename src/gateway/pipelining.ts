import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Pipelined requests, served one at a time per connection and in order, as nginx does: nginx
 * reads a connection's next request only once the previous response is done. node:http parses
 * every request a client pipelines as soon as it arrives and emits each at once, queueing its
 * response behind the one in progress; a queued response has no socket yet, and node gives it
 * the connection (its `socket` event) when the response before it has finished. So a request
 * whose response has its socket (every request that is not pipelined: one property read, no
 * closure) is served at once, and a queued one waits for that event. A connection closed
 * meanwhile never serves its queued requests, as nginx never reads them.
 *
 * @example
 *   const onRequest = (req, res) => {
 *     if (res.socket === null) return serveInTurn(req, res, onRequest);
 *     handle(req, res);
 *   };
 */
export function serveInTurn(
  req: IncomingMessage,
  res: ServerResponse,
  serve: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  res.once('socket', () => serve(req, res));
}

/** node:http's response in progress on a connection (lib/_http_server.js). */
type WithResponse = Duplex & { _httpMessage?: ServerResponse | null };

/**
 * Runs `upgrade` once no response is in progress on an upgrade request's socket: node:http hands
 * over the socket of an upgrade pipelined behind other requests while their responses are still
 * to be written on it. Dropped (the socket destroyed) when one of them closed the connection.
 */
export function upgradeInTurn(socket: Duplex, upgrade: () => void): void {
  const current = (socket as WithResponse)._httpMessage;
  if (current === undefined || current === null) {
    upgrade();
    return;
  }
  // 'close' follows 'finish', once node has given the connection to the next queued response.
  current.once('close', () => {
    if (socket.writable) upgradeInTurn(socket, upgrade);
    else socket.destroy();
  });
}
