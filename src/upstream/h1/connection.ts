import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { BodyWriter, type BodySink } from './body.js';
import { Deadline, type Expiring } from './deadline.js';
import { UpstreamError } from './errors.js';
import { replayable, requestHead, type HeadFacts } from './head.js';
import type { StreamHandle } from './llhttp.js';
import { ResponseReader, type ResponseOwner } from './response.js';
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

/**
 * One keep-alive connection to an upstream node: a net.Socket or tls.TLSSocket carrying one
 * request at a time (pipelining 1). The request head goes out in one write (requestHead), a
 * streamed body after it (BodyWriter), the response comes back through ResponseReader.
 *
 * - Deadlines: connect (TCP + TLS), response head (total time once the request is sent), body
 *   (time between two reads, not counted while the client holds the body back), idle.
 * - Anything wrong with a response (framing, unasked bytes, a deadline) ends the request with an
 *   error and closes the connection: it is never reused after a doubt.
 * - A request that fails on a reused connection before any response byte (the upstream closed
 *   the idle socket as the request went out) is sent once more on a new connection, if its
 *   method is idempotent and its body can be sent again; otherwise the error goes to the handler.
 */
export class Connection implements BodySink, Expiring, ResponseOwner {
  readonly #owner: ConnectionOwner;
  readonly #settings: ConnectionSettings;
  readonly #socket: Tagged<Socket>;
  readonly #writer: BodyWriter;
  readonly #deadline = new Deadline(this);
  readonly #reader = new ResponseReader(this);
  readonly #facts: HeadFacts = { length: 0, close: false };
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
    this.#reader.expect();
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
    if (this.#reader.headed || this.#req === undefined) return;
    this.#phase = WAITING;
    this.#deadline.in(this.#headersMs);
  }

  // ---- receiving (ResponseReader) ----

  get waiting(): UpstreamHandler | undefined {
    return this.#handler;
  }

  get isHead(): boolean {
    return this.#isHead;
  }

  headReceived(): void {
    this.#phase = READING;
  }

  responseComplete(): void {
    this.#clearRequest();
  }

  responseFailed(err: Error): void {
    this.#fail(err);
  }

  readDone(finished: boolean): void {
    if (finished) this.#release();
    else if (this.#phase === READING && !this.#reader.paused) this.#deadline.in(this.#bodyMs);
  }

  readingPaused(paused: boolean): void {
    // The client holds the body back: that is no upstream read timeout.
    if (this.#phase !== READING) return;
    if (paused) this.#deadline.clear();
    else this.#deadline.in(this.#bodyMs);
  }

  // ---- socket events (`this` is the socket) ----

  static #onConnect(this: Tagged<Socket>): void {
    const c = this[kConn]!;
    const handle = (this as unknown as { _handle: StreamHandle | null })._handle;
    if (handle === null || handle.isStreamBase !== true) {
      c.#fail(new UpstreamError('UND_ERR_SOCKET', 'socket without a stream handle'));
      return;
    }
    c.#reader.attach(handle);
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
    if (c.#req !== undefined && c.#reader.began) {
      const err = c.#reader.end();
      if (err !== undefined) {
        c.#fail(err);
        return;
      }
    }
    if (c.#req !== undefined) {
      c.#fail(new UpstreamError('UND_ERR_SOCKET', 'other side closed'), !c.#reader.began);
    }
    c.#destroy();
  }

  static #onClose(this: Tagged<Socket>): void {
    const c = this[kConn]!;
    c.#closed = true;
    if (c.#req !== undefined) {
      c.#fail(new UpstreamError('UND_ERR_SOCKET', 'other side closed'), !c.#reader.began);
    }
    c.#deadline.stop();
    c.#reader.detach();
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
      !this.#reader.keepAlive ||
      this.#owner.closing ||
      (s.maxRequests > 0 && this.#served >= s.maxRequests)
    ) {
      this.#destroy();
      return;
    }
    this.#phase = IDLE;
    if (this.#reader.paused) this.#reader.resume();
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
      !this.#reader.began &&
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
    this.#reader.halt();
    this.#socket.destroy();
  }
}
