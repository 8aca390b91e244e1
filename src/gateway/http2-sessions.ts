import { channel } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createServer,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { HTTP2_REQUEST_START } from '../core/channels.js';
import { MAX_HEAD_BYTES } from '../proxy/header-buffers.js';
import { asHttp1Request, asHttp1Response } from './http2-compat.js';

/**
 * nginx has no limit on the number of request headers; node's HTTP/2 default of 128 entries
 * (pseudo-headers included) refused requests HTTP/1.1 takes.
 */
const MAX_HEADER_PAIRS = 4096;
/** nginx's http2_max_concurrent_streams default (node's is 2^32 - 1). */
const MAX_CONCURRENT_STREAMS = 128;
const requestStart = channel(HTTP2_REQUEST_START);

export interface Http2SessionsOptions {
  /** A session that sends and receives no frame for this long gets a GOAWAY (keepalive_timeout). */
  readonly idleMs: number;
  /** A session gets a GOAWAY once it has started this many streams (keepalive_requests). */
  readonly maxRequests: number;
  /** Every request, adapted as HTTP/1.1 ones are read (http2-compat.ts). */
  readonly onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /** A request with `Expect: 100-continue`; without it, node sends 100 Continue at once. */
  readonly onCheckContinue?: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * The HTTP/2 side of the SSL listeners: the TLS connections whose ALPN picked `h2` go to one
 * node:http2 server (never listening, as the HTTP/1.1 one), whose streams are answered through
 * node's compatibility API by the same handler as HTTP/1.1 requests.
 *
 * @example
 *   const h2 = new Http2Sessions({ idleMs: 60_000, onRequest: proxy.onRequest });
 *   if (secure.alpnProtocol === 'h2') h2.accept(secure);
 *   h2.drain(); // GOAWAY on every session; each closes once its streams are done
 */
export class Http2Sessions {
  readonly #server: Http2Server;
  readonly #sessions = new Set<ServerHttp2Session>();
  #draining = false;

  constructor(opts: Http2SessionsOptions) {
    const server = (this.#server = createServer({
      maxHeaderListPairs: MAX_HEADER_PAIRS,
      settings: { maxHeaderListSize: MAX_HEAD_BYTES, maxConcurrentStreams: MAX_CONCURRENT_STREAMS },
    }));
    const adapt =
      (next: (req: IncomingMessage, res: ServerResponse) => void) =>
      (req: Http2ServerRequest, res: Http2ServerResponse): void => {
        if (requestStart.hasSubscribers) requestStart.publish({ request: req, response: res });
        next(asHttp1Request(req), asHttp1Response(res));
      };
    server.on('request', adapt(opts.onRequest));
    if (opts.onCheckContinue !== undefined) {
      server.on('checkContinue', adapt(opts.onCheckContinue));
    }
    server.on('session', (session: ServerHttp2Session) => {
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
      session.setTimeout(opts.idleMs, () => session.close());
      let streams = 0;
      session.on('stream', () => {
        if (++streams === opts.maxRequests) session.close();
      });
      if (this.#draining) session.close();
    });
  }

  /** Serves a TLS connection whose ALPN picked `h2`. */
  accept(socket: TLSSocket): void {
    this.#server.emit('connection', socket);
  }

  /**
   * A graceful stop: every session, and any that starts later, gets a GOAWAY; the streams in
   * flight finish, and each session closes its connection when its last one has.
   */
  drain(): void {
    this.#draining = true;
    for (const session of this.#sessions) session.close();
  }
}
