import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { ListenAddress } from '../config/types.js';
import { MAX_HEAD_BYTES } from '../proxy/header-buffers.js';
import {
  applyPerResponse,
  configureServer,
  DEFAULT_LISTENER_TIMEOUTS,
  KEEPALIVE_REQUESTS,
  serverOptions,
  type ListenerTimeouts,
} from './connection-rules.js';
import { Http2Sessions } from './http2-sessions.js';
import { serveInTurn, upgradeInTurn } from './pipelining.js';

/** How long a connection must stay idle, while draining, before it is closed. */
const IDLE_SWEEP_MS = 500;

const kUnswept = Symbol('unswept');
/**
 * A client socket as the drain sees it: node's current response, and whether it was upgraded
 * (WebSocket) or speaks HTTP/2 (its session closes itself once GOAWAY'd and done).
 */
type Tracked = Socket & { _httpMessage?: unknown; [kUnswept]?: boolean };

/** The SSL listeners (`apisix.ssl.listen`) and the TLS termination of their connections. */
export interface SslListen {
  readonly addresses: readonly ListenAddress[];
  /** ALPN offers `h2` (`apisix.enable_http2`): connections that pick it are served by HTTP/2. */
  readonly http2: boolean;
  /** Runs the handshake on an accepted connection, then hands on the secure socket. */
  accept(raw: Socket, onSecure: (socket: Socket) => void): void;
  /** Drops the connections still in their handshake. */
  close(): void;
  /**
   * Whether a request on a secure connection may go on (mTLS, spec §6); when not, `refuse`
   * answers it, or `refuseUpgrade` an upgrade request's socket (then closed).
   */
  admit(req: IncomingMessage): boolean;
  refuse(res: ServerResponse): void;
  refuseUpgrade(socket: Duplex): void;
}

export interface HttpHandler {
  onRequest(req: IncomingMessage, res: ServerResponse): void;
  onUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  onConnect?(req: IncomingMessage, socket: Duplex): void;
  /** A request with `Expect: 100-continue`; without it, node sends 100 Continue at once. */
  onCheckContinue?(req: IncomingMessage, res: ServerResponse): void;
  onClientError?(err: Error, socket: Duplex): void;
}

type Serve = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * `serve` behind the SSL listener's admission (mTLS, spec §6): a request it does not admit is
 * refused. Plain listeners (no `ssl`) get `serve` itself.
 */
function admitted(ssl: SslListen | undefined, serve: Serve): Serve {
  if (ssl === undefined) return serve;
  return (req, res) => {
    if (!ssl.admit(req)) return ssl.refuse(res);
    serve(req, res);
  };
}

function boundPort(server: NetServer): number {
  const addr = server.address();
  return typeof addr === 'object' && addr !== null ? addr.port : 0;
}

/**
 * A worker's HTTP listeners (`apisix.node_listen`), and its HTTPS ones (`apisix.ssl.listen`)
 * when given an SslListen, with a graceful drain: stop accepting, answer every further request
 * on an open connection with `Connection: close`, let idle keep-alive connections expire as
 * usual, and destroy what is left at the deadline. An SSL listener is a net.Server whose
 * connections SslListen terminates; the secure sockets go to one http.Server like the others,
 * or, those whose ALPN picked `h2`, to one HTTP/2 server (http2-sessions.ts), whose sessions a
 * drain sends GOAWAY.
 *
 * Idle connections are not closed at the instant the drain starts (as `http.Server.close()` does
 * since Node 19): a client may be writing its next request on one at that very moment, and would
 * see a reset. nginx closes them at once on a graceful stop; here a connection is closed once it
 * has carried no request and sent no byte for a whole sweep interval (IDLE_SWEEP_MS), so a
 * drain does not wait out `keepalive_timeout` (60 s by default) for clients that are done.
 * Upgraded connections (WebSocket) are left to the deadline, as nginx leaves them to
 * worker_shutdown_timeout. HTTP/2 connections are not swept either: their sessions get a GOAWAY
 * and close once their streams are done (or at the deadline).
 *
 * Connections follow `nginx_config.http`'s keepalive_timeout and client_header_timeout, and
 * nginx's keepalive_requests (connection-rules.ts). The requests a client pipelines on one
 * connection reach the handler one at a time, in order (pipelining.ts).
 */
export class HttpListeners {
  readonly #addresses: readonly ListenAddress[];
  /** What listens: an http.Server per node_listen address, a net.Server per SSL address. */
  readonly #servers: NetServer[] = [];
  readonly #plainCount: number;
  readonly #ssl: SslListen | undefined;
  /** The http.Server of the SSL listeners' secure sockets. */
  #https: Server | undefined;
  /** The HTTP/2 server of the secure sockets whose ALPN picked `h2`. */
  #h2: Http2Sessions | undefined;
  readonly #sockets = new Set<Socket>();
  #draining = false;
  #onIdle: (() => void) | undefined;

  constructor(
    addresses: readonly ListenAddress[],
    handler: HttpHandler,
    timeouts: ListenerTimeouts = DEFAULT_LISTENER_TIMEOUTS,
    ssl?: SslListen,
  ) {
    this.#addresses = [...addresses, ...(ssl?.addresses ?? [])];
    this.#plainCount = addresses.length;
    this.#ssl = ssl;
    for (let i = 0; i < addresses.length; i++) {
      this.#servers.push(this.#httpServer(handler, timeouts));
    }
    if (ssl !== undefined && ssl.addresses.length > 0) {
      // One http.Server (never listening) takes the secure sockets of every SSL address.
      const https = (this.#https = this.#httpServer(handler, timeouts, ssl));
      const h2 = ssl.http2 ? (this.#h2 = this.#http2Sessions(handler, timeouts, ssl)) : undefined;
      const onSecure = (socket: Socket): void => {
        if (h2 !== undefined && (socket as TLSSocket).alpnProtocol === 'h2') {
          this.#track(socket);
          (socket as Tracked)[kUnswept] = true;
          h2.accept(socket as TLSSocket);
        } else {
          https.emit('connection', socket);
        }
      };
      for (let i = 0; i < ssl.addresses.length; i++) {
        // noDelay as node:http sets it on its own listeners: no Nagle delay on TLS records.
        this.#servers.push(new NetServer({ noDelay: true }, (raw) => ssl.accept(raw, onSecure)));
      }
    }
  }

  #httpServer(handler: HttpHandler, timeouts: ListenerTimeouts, ssl?: SslListen): Server {
    const headerMs = timeouts.keepalive_header_timeout ?? 0;
    const keepAlive = timeouts.keepalive_timeout > 0;
    /** What every response says about its connection, before the handler sees it. */
    const prepare = (res: ServerResponse): void => {
      applyPerResponse(res, headerMs, keepAlive);
      if (this.#draining) res.setHeader('Connection', 'close');
    };
    const serve = admitted(ssl, handler.onRequest.bind(handler));
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      if (res.socket === null) return serveInTurn(req, res, onRequest);
      prepare(res);
      serve(req, res);
    };
    const server = createServer(
      {
        // node's 16 KiB head limit refused heads nginx takes (a 20 KiB cookie set in 8 KiB
        // lines); what nginx's buffers would not hold, the proxy answers as nginx does.
        maxHeaderSize: MAX_HEAD_BYTES,
        // nginx puts no deadline on a whole request, only on the head (client_header_timeout,
        // node's headersTimeout) and between body reads (the proxy's): node's default 300 s cut
        // off long uploads with a 408. headersTimeout is given, as it defaults to requestTimeout.
        requestTimeout: 0,
        ...serverOptions(timeouts),
      },
      onRequest,
    );
    // nginx has no limit on the number of headers; node silently dropped those past 2000.
    server.maxHeadersCount = 0;
    configureServer(server);
    // An Expect other than 100-continue is ignored, as nginx does (node would answer 417).
    server.on('checkExpectation', onRequest);
    const onCheckContinue = handler.onCheckContinue?.bind(handler);
    if (onCheckContinue) {
      const serveContinue = admitted(ssl, onCheckContinue);
      const checkContinue = (req: IncomingMessage, res: ServerResponse): void => {
        if (res.socket === null) return serveInTurn(req, res, checkContinue);
        prepare(res);
        serveContinue(req, res);
      };
      server.on('checkContinue', checkContinue);
    }
    const onUpgrade = handler.onUpgrade?.bind(handler);
    if (onUpgrade) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
        (socket as Tracked)[kUnswept] = true;
        upgradeInTurn(socket, () => {
          if (ssl !== undefined && !ssl.admit(req)) return ssl.refuseUpgrade(socket);
          onUpgrade(req, socket, head);
        });
      });
    }
    const onConnect = handler.onConnect?.bind(handler);
    if (onConnect) server.on('connect', onConnect);
    const onClientError = handler.onClientError?.bind(handler);
    if (onClientError) server.on('clientError', onClientError);
    server.on('connection', (socket: Socket) => this.#track(socket));
    return server;
  }

  /**
   * HTTP/2 on the SSL listeners: the same admission and handler as HTTP/1.1, none of the
   * per-response connection rules (HTTP/2 has no Connection header; a drain sends GOAWAY).
   * As nginx, a session is closed (GOAWAY) after keepalive_timeout idle (client_header_timeout
   * when keep-alive is off, so a session still ends) and after keepalive_requests streams.
   */
  #http2Sessions(handler: HttpHandler, timeouts: ListenerTimeouts, ssl: SslListen): Http2Sessions {
    const onCheckContinue = handler.onCheckContinue?.bind(handler);
    return new Http2Sessions({
      idleMs: timeouts.keepalive_timeout || timeouts.client_header_timeout,
      maxRequests: KEEPALIVE_REQUESTS,
      onRequest: admitted(ssl, handler.onRequest.bind(handler)),
      ...(onCheckContinue ? { onCheckContinue: admitted(ssl, onCheckContinue) } : {}),
    });
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => {
      this.#sockets.delete(socket);
      if (this.#sockets.size === 0) this.#onIdle?.();
    });
  }

  /** Binds every address; rejects with the first error (EADDRINUSE, EACCES). */
  async listen(): Promise<void> {
    await Promise.all(
      this.#servers.map(
        (server, i) =>
          new Promise<void>((resolve, reject) => {
            const addr = this.#addresses[i] as ListenAddress;
            server.once('error', reject);
            server.listen(addr.port, addr.ip, () => {
              server.off('error', reject);
              resolve();
            });
          }),
      ),
    );
    // node starts its head-timeout checker (client_header_timeout) on 'listening'.
    this.#https?.emit('listening');
  }

  /** The bound port of each node_listen listener (port 0 gives the kernel's pick). */
  ports(): number[] {
    return this.#servers.slice(0, this.#plainCount).map(boundPort);
  }

  /** The bound port of each SSL listener. */
  sslPorts(): number[] {
    return this.#servers.slice(this.#plainCount).map(boundPort);
  }

  async drain(timeoutMs: number): Promise<void> {
    this.#draining = true;
    for (const server of this.#servers) {
      // net.Server's close, not http.Server's: see the class comment.
      if (server.listening) NetServer.prototype.close.call(server);
    }
    this.#h2?.drain();
    if (this.#sockets.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const sweep = this.#sweepIdle();
      await new Promise<void>((resolve) => {
        this.#onIdle = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      clearInterval(sweep);
    }
    this.#ssl?.close();
    for (const socket of this.#sockets) socket.destroy();
    // Stops the head-timeout checker 'listening' started (the server itself never listened).
    this.#https?.close(() => undefined);
  }

  /**
   * Every IDLE_SWEEP_MS while draining: closes each connection with no request in flight (node
   * keeps the response of the current request on `socket._httpMessage` from its head to its end)
   * that read no byte since the previous sweep.
   */
  #sweepIdle(): NodeJS.Timeout {
    let seen = new Map<Socket, number>();
    const sweep = setInterval(() => {
      const next = new Map<Socket, number>();
      for (const socket of this.#sockets) {
        const t = socket as Tracked;
        if (t[kUnswept] === true || t._httpMessage) continue;
        if (seen.get(socket) === socket.bytesRead) socket.destroy();
        else next.set(socket, socket.bytesRead);
      }
      seen = next;
    }, IDLE_SWEEP_MS);
    sweep.unref();
    return sweep;
  }
}
