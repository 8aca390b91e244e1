import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { errorPageBytes } from './error-pages.js';
import type { RuntimeUpstream } from '../upstream/runtime.js';
import type { Peer } from './client-address.js';
import type { RequestEdits } from './plugin-request.js';
import { HOST_VALUE_INDEX, upstreamHeaders } from './request-headers.js';
import type { RequestFacts } from './request-vars.js';

/** A WebSocket handshake that passed matching and the pre-proxy checks. */
export interface Admitted {
  readonly facts: RequestFacts;
  readonly upstream: RuntimeUpstream;
  readonly peer: Peer;
  /** The client's address (after real-ip and the `real-ip` plugin). */
  readonly clientAddr: string;
  /** The client is in `apisix.trusted_addresses`. */
  readonly trusted: boolean;
  /** The Server header value. */
  readonly server: string;
  /** What plugins changed in the request (path, headers, Host), when the route has plugins. */
  readonly edits: RequestEdits | undefined;
  /** The chash key, when the upstream hashes. */
  readonly hashKey: string | undefined;
}

/**
 * A ServerResponse writing to an upgrade request's raw socket, so an upgrade that is not
 * proxied as a WebSocket (no route, websocket disabled, an error) gets an ordinary HTTP answer,
 * and the connection is closed after it (node:http has handed the socket over).
 */
export function refuseUpgrade(req: IncomingMessage, socket: Duplex): ServerResponse {
  // node:http took its own 'error' listener off the socket it handed over: without one, a
  // client that resets the connection mid-handshake (ECONNRESET) would end the worker.
  socket.on('error', destroyOnError);
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  // assignSocket wants a net.Socket; an upgrade socket is one (or a TLSSocket).
  res.assignSocket(socket as Parameters<ServerResponse['assignSocket']>[0]);
  res.on('finish', () => {
    res.detachSocket(socket as Parameters<ServerResponse['detachSocket']>[0]);
    socket.end();
  });
  return res;
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/**
 * Proxies a WebSocket handshake (spec §5.4: `Upgrade`/`Connection` are passed only when the
 * route has `enable_websocket`) and then pipes bytes both ways until either side closes.
 * Retries do not apply: a failed handshake answers 502/504. Plugins' request edits apply to the
 * handshake as to any request (path, headers, Host, the client address for X-Forwarded-For).
 */
export function proxyWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  admitted: Admitted,
): void {
  const server = admitted.server;
  const up = admitted.upstream;
  const node = up.pick({ hashKey: admitted.hashKey ?? admitted.clientAddr });
  if (node === undefined) {
    socket.end(errorPageBytes(502, server));
    return;
  }
  const s = up.settings;
  const edits = admitted.edits;
  const headers = upstreamHeaders(
    req,
    admitted.clientAddr,
    admitted.peer,
    admitted.trusted,
    edits?.headers,
  );
  const clientHost = req.headers.host ?? '';
  headers[HOST_VALUE_INDEX] =
    edits?.host !== undefined
      ? edits.host
      : s.passHost === 'node'
        ? up.nodeHost(node)
        : s.passHost === 'rewrite'
          ? (s.upstreamHost ?? '')
          : clientHost;
  const handler: Dispatcher.DispatchHandler = {
    onConnect: () => undefined,
    onError: (err: Error) => {
      const code = (err as { code?: string }).code ?? '';
      socket.end(errorPageBytes(code.endsWith('TIMEOUT') ? 504 : 502, server));
    },
    onUpgrade: (status: number, raw: Buffer[] | string[] | null, upstream: Duplex) => {
      if (socket.destroyed) {
        // The client left during the handshake: nobody to pipe to.
        upstream.destroy();
        return;
      }
      let head101 = `HTTP/1.1 ${status} Switching Protocols\r\n`;
      const list = raw ?? [];
      for (let i = 0; i < list.length; i += 2)
        head101 += `${String(list[i])}: ${String(list[i + 1])}\r\n`;
      socket.write(head101 + '\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
      const close = (): void => {
        upstream.destroy();
        socket.destroy();
      };
      upstream.on('error', close).on('close', close);
      socket.on('error', close).on('close', close);
    },
  };
  const t = up.timeouts(undefined);
  up.pool(node, undefined, t.connect).dispatch(
    {
      // A handshake is a GET whatever a plugin set; its path and headers are the plugins'.
      path: edits?.path ?? req.url ?? '/',
      method: 'GET',
      headers,
      upgrade: 'websocket',
      headersTimeout: t.read,
    },
    handler,
  );
}
