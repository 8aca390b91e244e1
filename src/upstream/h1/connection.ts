import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { BodyWriter, type BodySink } from './body.js';
import { Deadline, type Expiring } from './deadline.js';
import { parseError, UpstreamError } from './errors.js';
import { replayable, requestHead, type HeadFacts } from './head.js';
import { HTTPParser, type NativeParser, type StreamHandle } from './llhttp.js';
import type { UpstreamHandler, UpstreamRequest } from './types.js';

/** What a connection needs from its pool. */
export interface ConnectionOwner {
  readonly closing: boolean;
  /** Ready for the next request. */
  released(conn: Connection): void;
  /** The socket is closed: forget the connection. */
  closed(conn: Connection): void;
  /** Sends `req` again on a new connection (a reused one failed before any response byte). */
  redispatch(req: UpstreamRequest, handler: UpstreamHandler): void;
  /** A TLS session to resume on the next connection. */
  saveSession(session: Buffer): void;
}

export interface ConnectionSettings {
  /** An IP or a name (resolved by node:net), IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  /** node:tls options (servername, rejectUnauthorized, cert, key) for https; else undefined. */
  readonly tls: ConnectionOptions | undefined;
  readonly connectMs: number;
  /** Idle keep-alive time (`keepalive_pool.idle_timeout`); 0 = no limit. */
  readonly idleMs: number;
  /** Requests one connection carries before it closes (`keepalive_pool.requests`); 0 = no cap. */
  readonly maxRequests: number;
  /** Head and body timeouts of a request that does not give its own; 0 = none. */
  readonly readMs: number;
}

// What the deadline of the connection counts down to.
const CONNECTING = 0;
const SENDING = 1;
const WAITING = 2;
const READING = 3;
const IDLE = 4;

/** Errors after which a request that got no response byte may be sent again. */
const STALE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
/** RFC 9110 §9.2.2: what may be sent twice (a POST on a closed keep-alive socket is not). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

const kConn = Symbol('h1Connection');
type Tagged<T> = T & { [kConn]?: Connection };

/** The async_hooks resource llhttp wants: one for all (no per-request hooks). */
const PARSER_RESOURCE = {};

/**
 * One keep-alive connection to an upstream node: a net.Socket or tls.TLSSocket whose bytes
 * node's native llhttp reads directly (`parser.consume`, as node:http's server does: no 'data'
 * events, no Buffer per read), carrying one request at a time (pipelining 1).
 *
 * - Responses are framed by llhttp in strict mode: Content-Length, chunked, read-until-close,
 *   no body for HEAD, 1xx, 204 and 304; conflicting Content-Length/Transfer-Encoding, bad chunk
 *   sizes and obs-fold are errors, and the connection is closed, never reused. Bytes that come
 *   when no request waits for them (after a complete response, or while idle) close it too.
 * - Deadlines: connect (TCP + TLS), response head (total time once the request is sent), body
 *   (time between two reads, not counted while the client holds the body back), idle.
 * - A request that fails on a reused connection before any response byte (the upstream closed
 *   the idle socket as the request went out) is sent once more on a new connection, if its
 *   method is idempotent and its body can be sent again; otherwise the error goes to the handler.
 */
export class Connection implements BodySink, Expiring {
  readonly #owner: ConnectionOwner;
  readonly #settings: ConnectionSettings;
  readonly #socket: Tagged<Socket>;
  readonly #writer: BodyWriter;
  readonly #deadline = new Deadline(this);
  readonly #facts: HeadFacts = { length: 0, close: false };
  /** Handed to onHeaders: one function per connection, not per request. */
  readonly #resume = (): void => this.#resumeReading();
  #parser: Tagged<NativeParser> | undefined;
  #handle: StreamHandle | undefined;
  #phase = CONNECTING;
  #connected = false;
  #closed = false;
  #served = 0;

  // The request in flight.
  #req: UpstreamRequest | undefined;
  #handler: UpstreamHandler | undefined;
  #retried = false;
  #reused = false;
  #isHead = false;
  #headersMs = 0;
  #bodyMs = 0;

  // Its response.
  #began = false;
  #headed = false;
  #info = false;
  #keepAlive = true;
  #finished = false;
  #orphan = false;
  #paused = false;
  #flushed: string[] | undefined;

  constructor(owner: ConnectionOwner, settings: ConnectionSettings, session: Buffer | undefined) {
    this.#owner = owner;
    this.#settings = settings;
    const { host, port, tls } = settings;
    const socket: Tagged<Socket> =
      tls === undefined
        ? netConnect({ host, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 })
        : tlsConnect({ ...tls, host, port, session, ALPNProtocols: ['http/1.1'] });
    this.#socket = socket;
    this.#writer = new BodyWriter(socket, this);
    socket[kConn] = this;
    if (tls === undefined) {
      socket.on('connect', Connection.#onConnect);
    } else {
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 60_000);
      socket.on('secureConnect', Connection.#onConnect);
      socket.on('session', Connection.#onSession);
    }
    socket.on('error', Connection.#onSocketError);
    socket.on('end', Connection.#onEnd);
    socket.on('close', Connection.#onClose);
    socket.on('drain', Connection.#onDrain);
    // Flowing, so that the end of the stream is seen ('end'); the data itself goes to llhttp.
    socket.resume();
    this.#deadline.in(settings.connectMs);
  }

  /** Can take a request. */
  get usable(): boolean {
    return !this.#closed && this.#req === undefined;
  }

  /** Starts `req` now, or once connected. `retried`: this is its second try. */
  run(req: UpstreamRequest, handler: UpstreamHandler, retried: boolean): void {
    this.#req = req;
    this.#handler = handler;
    this.#retried = retried;
    this.#began = false;
    this.#headed = false;
    this.#info = false;
    this.#keepAlive = true;
    if (this.#connected) this.#socket.ref();
    const abort = (err?: Error): void => {
      if (this.#req === req) this.#fail(err ?? new UpstreamError('UND_ERR_ABORTED', 'aborted'));
    };
    try {
      handler.onConnect?.(abort);
    } catch (err) {
      this.#fail(err as Error);
      return;
    }
    if (this.#req === req && this.#connected) this.#send();
  }

  /** Closes an idle connection (pool closed). */
  close(): void {
    this.#destroy();
  }

  // ---- sending ----

  #send(): void {
    const req = this.#req!;
    const s = this.#settings;
    const facts = this.#facts;
    let head: string;
    try {
      head = requestHead(req, s.maxRequests <= 0 || this.#served + 1 < s.maxRequests, facts);
    } catch (err) {
      // Nothing was written: the connection stays good for the next request.
      const handler = this.#handler!;
      this.#clearRequest();
      this.#release();
      handler.onError?.(err as Error);
      return;
    }
    this.#reused = this.#served > 0;
    this.#served++;
    this.#isHead = req.method === 'HEAD';
    this.#headersMs = req.headersTimeout ?? s.readMs;
    this.#bodyMs = req.bodyTimeout ?? s.readMs;
    const socket = this.#socket;
    const body = req.body;
    if (body === null || body === undefined) {
      socket.write(head, 'latin1');
    } else if (Buffer.isBuffer(body)) {
      socket.cork();
      socket.write(head, 'latin1');
      if (body.length > 0) socket.write(body);
      socket.uncork();
    } else {
      this.#phase = SENDING;
      this.#deadline.clear();
      this.#writer.start(body, head, facts.length);
      return;
    }
    this.#waitForHead();
  }

  bodySent(): void {
    this.#waitForHead();
  }

  bodyFailed(err: Error): void {
    this.#fail(err);
  }

  /** The request is out: the response head is due within headersMs. */
  #waitForHead(): void {
    if (this.#headed || this.#req === undefined) return;
    this.#phase = WAITING;
    this.#deadline.in(this.#headersMs);
  }

  // ---- receiving: llhttp callbacks (`this` is the parser) ----

  static #onMessageBegin(this: Tagged<NativeParser>): void {
    const c = this[kConn]!;
    if (c.#handler === undefined) c.#orphan = true;
    else c.#began = true;
  }

  /** Header lines flushed before the head is complete (more than 32), or trailers (ignored). */
  static #onHeaders(this: Tagged<NativeParser>, headers: string[]): void {
    const c = this[kConn]!;
    if (c.#headed || c.#handler === undefined) return;
    const into = (c.#flushed ??= []);
    for (const h of headers) into.push(h);
  }

  static #onHeadersComplete(
    this: Tagged<NativeParser>,
    _major: number,
    _minor: number,
    headers: string[] | undefined,
    _method: unknown,
    _url: unknown,
    status: number,
    statusText: string,
    upgrade: boolean,
    keepAlive: boolean,
  ): number {
    const c = this[kConn]!;
    const handler = c.#handler;
    const raw = headers ?? c.#flushed ?? [];
    c.#flushed = undefined;
    if (handler === undefined) {
      c.#orphan = true;
      return 1;
    }
    if (upgrade || status === 101) {
      c.#fail(new UpstreamError('UND_ERR_INFO', 'upstream switched protocols unasked'));
      return 1;
    }
    if (status < 200) {
      // 100 Continue, 102, 103: informational, the final response follows (llhttp: no body).
      c.#info = true;
      return 1;
    }
    c.#headed = true;
    c.#keepAlive = keepAlive;
    c.#phase = READING;
    const skipBody = c.#isHead;
    try {
      if (handler.onHeaders?.(status, raw, c.#resume, statusText) === false) c.#pause();
    } catch (err) {
      c.#fail(err as Error);
    }
    return skipBody ? 1 : 0;
  }

  static #onBody(this: Tagged<NativeParser>, chunk: Buffer): void {
    const c = this[kConn]!;
    const handler = c.#handler;
    if (handler === undefined || c.#info) return;
    try {
      if (handler.onData?.(chunk) === false) c.#pause();
    } catch (err) {
      c.#fail(err as Error);
    }
  }

  static #onMessageComplete(this: Tagged<NativeParser>): void {
    const c = this[kConn]!;
    const handler = c.#handler;
    if (handler === undefined) return;
    if (c.#info) {
      c.#info = false;
      return;
    }
    // Released once llhttp has seen the rest of this read (kOnExecute): bytes after the
    // response must not be taken for the next request's.
    c.#finished = true;
    c.#clearRequest();
    try {
      handler.onComplete?.(null);
    } catch {
      // As undici: a handler that throws after its response costs the connection.
      c.#finished = false;
      c.#destroy();
    }
  }

  /** After every read llhttp took from the socket: the byte count, or the parse error. */
  static #onExecute(this: Tagged<NativeParser>, ret: number | Error): void {
    const c = this[kConn]!;
    if (typeof ret !== 'number') {
      c.#finished = false;
      c.#fail(parseError(ret));
    } else if (c.#orphan) {
      c.#finished = false;
      c.#fail(new UpstreamError('UND_ERR_INFO', 'upstream sent bytes nobody asked for'));
    } else if (c.#finished) {
      c.#finished = false;
      c.#release();
    } else if (c.#phase === READING && !c.#paused) {
      c.#deadline.in(c.#bodyMs);
    }
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    const h = this.#handle;
    if (h !== undefined && h.reading) {
      h.reading = false;
      h.readStop();
    }
    // The client holds the body back: that is no upstream read timeout.
    if (this.#phase === READING) this.#deadline.clear();
  }

  #resumeReading(): void {
    if (!this.#paused || this.#closed) return;
    this.#paused = false;
    const h = this.#handle;
    if (h !== undefined && !h.reading) {
      h.reading = true;
      h.readStart();
    }
    if (this.#phase === READING) this.#deadline.in(this.#bodyMs);
  }

  // ---- socket events (`this` is the socket) ----

  static #onConnect(this: Tagged<Socket>): void {
    const c = this[kConn]!;
    const handle = (this as unknown as { _handle: StreamHandle | null })._handle;
    if (handle === null || handle.isStreamBase !== true) {
      c.#fail(new UpstreamError('UND_ERR_SOCKET', 'socket without a stream handle'));
      return;
    }
    const parser: Tagged<NativeParser> = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, PARSER_RESOURCE, 0, HTTPParser.kLenientNone);
    parser[kConn] = c;
    parser[HTTPParser.kOnMessageBegin] = Connection.#onMessageBegin;
    parser[HTTPParser.kOnHeaders] = Connection.#onHeaders;
    parser[HTTPParser.kOnHeadersComplete] = Connection.#onHeadersComplete;
    parser[HTTPParser.kOnBody] = Connection.#onBody;
    parser[HTTPParser.kOnMessageComplete] = Connection.#onMessageComplete;
    parser[HTTPParser.kOnExecute] = Connection.#onExecute;
    parser.consume(handle);
    c.#parser = parser;
    c.#handle = handle;
    c.#connected = true;
    if (c.#req !== undefined) c.#send();
    else c.#release();
  }

  static #onSession(this: Tagged<Socket>, session: Buffer): void {
    this[kConn]!.#owner.saveSession(session);
  }

  static #onSocketError(this: Tagged<Socket>, err: Error): void {
    const c = this[kConn]!;
    const code = (err as { code?: string }).code ?? '';
    c.#fail(err, c.#connected && STALE.has(code));
  }

  /** The upstream ended its side: the end of a read-until-close body, or a cut. */
  static #onEnd(this: Tagged<Socket>): void {
    const c = this[kConn]!;
    if (c.#req !== undefined && c.#began) {
      const ret = c.#parser?.finish();
      if (ret instanceof Error) {
        c.#fail(parseError(ret));
        return;
      }
      c.#finished = false;
    }
    if (c.#req !== undefined) {
      c.#fail(new UpstreamError('UND_ERR_SOCKET', 'other side closed'), !c.#began);
    }
    c.#destroy();
  }

  static #onClose(this: Tagged<Socket>): void {
    const c = this[kConn]!;
    c.#closed = true;
    if (c.#req !== undefined) {
      c.#fail(new UpstreamError('UND_ERR_SOCKET', 'other side closed'), !c.#began);
    }
    c.#deadline.stop();
    const parser = c.#parser;
    if (parser !== undefined) {
      c.#parser = undefined;
      c.#handle = undefined;
      parser.unconsume();
      parser.close();
    }
    c.#owner.closed(c);
  }

  static #onDrain(this: Tagged<Socket>): void {
    this[kConn]!.#writer.drained();
  }

  expired(): void {
    switch (this.#phase) {
      case CONNECTING:
        this.#fail(new UpstreamError('UND_ERR_CONNECT_TIMEOUT', 'connect timeout'));
        return;
      case WAITING:
        this.#fail(new UpstreamError('UND_ERR_HEADERS_TIMEOUT', 'headers timeout'));
        return;
      case READING:
        this.#fail(new UpstreamError('UND_ERR_BODY_TIMEOUT', 'body timeout'));
        return;
      case IDLE:
        this.#destroy();
        return;
    }
  }

  // ---- endings ----

  /** Back to the pool, or closed when the exchange said so. */
  #release(): void {
    if (this.#closed) return;
    const s = this.#settings;
    if (
      this.#facts.close ||
      !this.#keepAlive ||
      this.#owner.closing ||
      (s.maxRequests > 0 && this.#served >= s.maxRequests)
    ) {
      this.#destroy();
      return;
    }
    if (this.#paused) this.#resumeReading();
    this.#phase = IDLE;
    this.#deadline.in(s.idleMs);
    this.#socket.unref();
    this.#owner.released(this);
  }

  #clearRequest(): void {
    if (this.#writer.active) {
      // The response ended before the body was sent: the upstream is mid-request.
      this.#writer.stop();
      this.#facts.close = true;
    }
    this.#req = undefined;
    this.#handler = undefined;
  }

  /**
   * Ends the request in flight with `err` (or sends it again: see the class comment) and
   * closes the connection, which cannot be trusted any more.
   */
  #fail(err: Error, stale = false): void {
    const req = this.#req;
    const handler = this.#handler;
    this.#clearRequest();
    this.#destroy();
    if (req === undefined || handler === undefined) return;
    if (
      stale &&
      this.#reused &&
      !this.#began &&
      !this.#retried &&
      IDEMPOTENT.has(req.method) &&
      replayable(req.body)
    ) {
      this.#owner.redispatch(req, handler);
      return;
    }
    handler.onError?.(err);
  }

  #destroy(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#deadline.stop();
    this.#socket.destroy();
  }
}
