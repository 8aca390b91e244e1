import { parseError, UpstreamError } from './errors.js';
import { HTTPParser, type NativeParser, type StreamHandle } from './llhttp.js';
import type { UpstreamHandler } from './types.js';

/** What the reader needs from its connection. */
export interface ResponseOwner {
  /** The handler of the request waiting for a response; undefined when none waits. */
  readonly waiting: UpstreamHandler | undefined;
  /** The waiting request is a HEAD: its response has no body, whatever its head says. */
  readonly isHead: boolean;
  /** The final response head is in: the body follows. */
  headReceived(): void;
  /** The response is complete: the request is over (before the handler's onComplete). */
  responseComplete(): void;
  /** The response cannot be used or trusted: end the request with `err`, close the socket. */
  responseFailed(err: Error): void;
  /** llhttp has taken one read from the socket; `finished`: a response completed in it. */
  readDone(finished: boolean): void;
  /** Reading stopped because the client holds the body back (or restarted). */
  readingPaused(paused: boolean): void;
}

const kReader = Symbol('h1ResponseReader');
type Tagged = NativeParser & { [kReader]?: ResponseReader };

/** The async_hooks resource llhttp wants: one for all (no per-request hooks). */
const PARSER_RESOURCE = {};

/**
 * The response side of one connection: node's native llhttp reads the socket's bytes itself
 * (`parser.consume`, as node:http's server does: no 'data' events, no Buffer per read) in
 * strict mode, and this hands the final head, the body and the end to the waiting request's
 * handler. Content-Length, chunked and read-until-close bodies; none for HEAD, 1xx (skipped),
 * 204 and 304. Conflicting Content-Length/Transfer-Encoding, bad chunk sizes, obs-fold and a 101
 * nobody asked for are failures. A response is complete only at the end of the read that
 * carried it: a byte after it in that read, or any byte while no request waits, is a failure
 * too (it would otherwise be taken for the next request's response).
 */
export class ResponseReader {
  readonly #owner: ResponseOwner;
  /** Handed to onHeaders: one function per connection, not per request. */
  readonly resume = (): void => this.#resume();
  #parser: Tagged | undefined;
  #handle: StreamHandle | undefined;
  #began = false;
  #headed = false;
  #info = false;
  #keepAlive = true;
  #finished = false;
  #orphan = false;
  #paused = false;
  #flushed: string[] | undefined;

  constructor(owner: ResponseOwner) {
    this.#owner = owner;
  }

  /** A response byte has come for the waiting request. */
  get began(): boolean {
    return this.#began;
  }

  /** The final head is in. */
  get headed(): boolean {
    return this.#headed;
  }

  /** The last response allows another request on the connection. */
  get keepAlive(): boolean {
    return this.#keepAlive;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Starts reading the connected socket's stream handle. */
  attach(handle: StreamHandle): void {
    const parser: Tagged = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, PARSER_RESOURCE, 0, HTTPParser.kLenientNone);
    parser[kReader] = this;
    parser[HTTPParser.kOnMessageBegin] = ResponseReader.#onMessageBegin;
    parser[HTTPParser.kOnHeaders] = ResponseReader.#onHeaders;
    parser[HTTPParser.kOnHeadersComplete] = ResponseReader.#onHeadersComplete;
    parser[HTTPParser.kOnBody] = ResponseReader.#onBody;
    parser[HTTPParser.kOnMessageComplete] = ResponseReader.#onMessageComplete;
    parser[HTTPParser.kOnExecute] = ResponseReader.#onExecute;
    parser.consume(handle);
    this.#parser = parser;
    this.#handle = handle;
  }

  /** A new request is waiting. */
  expect(): void {
    this.#began = false;
    this.#headed = false;
    this.#info = false;
    this.#keepAlive = true;
  }

  /** The socket's end: completes a read-until-close body; the error if the framing is cut. */
  end(): Error | undefined {
    const ret = this.#parser?.finish();
    this.#finished = false;
    return ret instanceof Error ? parseError(ret) : undefined;
  }

  /** The socket is being destroyed: no more reading starts or stops (safe inside a callback). */
  halt(): void {
    this.#handle = undefined;
  }

  /** The socket is closed (never inside a parser callback: this frees the parser). */
  detach(): void {
    const parser = this.#parser;
    if (parser === undefined) return;
    this.#parser = undefined;
    this.#handle = undefined;
    parser.unconsume();
    parser.close();
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    const h = this.#handle;
    if (h !== undefined && h.reading) {
      h.reading = false;
      h.readStop();
    }
    this.#owner.readingPaused(true);
  }

  #resume(): void {
    const h = this.#handle;
    if (!this.#paused || h === undefined) return;
    this.#paused = false;
    if (!h.reading) {
      h.reading = true;
      h.readStart();
    }
    this.#owner.readingPaused(false);
  }

  // ---- llhttp callbacks (`this` is the parser) ----

  static #onMessageBegin(this: Tagged): void {
    const r = this[kReader]!;
    if (r.#owner.waiting === undefined) r.#orphan = true;
    else r.#began = true;
  }

  /** Header lines flushed before the head is complete (more than 32), or trailers (ignored). */
  static #onHeaders(this: Tagged, headers: string[]): void {
    const r = this[kReader]!;
    if (r.#headed || r.#owner.waiting === undefined) return;
    const into = (r.#flushed ??= []);
    for (const h of headers) into.push(h);
  }

  static #onHeadersComplete(
    this: Tagged,
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
    const r = this[kReader]!;
    const owner = r.#owner;
    const handler = owner.waiting;
    const raw = headers ?? r.#flushed ?? [];
    r.#flushed = undefined;
    if (handler === undefined) {
      r.#orphan = true;
      return 1;
    }
    if (upgrade || status === 101) {
      owner.responseFailed(
        new UpstreamError('UND_ERR_INFO', 'upstream switched protocols unasked'),
      );
      return 1;
    }
    if (status < 200) {
      // 100 Continue, 102, 103: informational, the final response follows (llhttp: no body).
      r.#info = true;
      return 1;
    }
    r.#headed = true;
    r.#keepAlive = keepAlive;
    owner.headReceived();
    const skipBody = owner.isHead;
    try {
      if (handler.onHeaders?.(status, raw, r.resume, statusText) === false) r.pause();
    } catch (err) {
      owner.responseFailed(err as Error);
    }
    return skipBody ? 1 : 0;
  }

  static #onBody(this: Tagged, chunk: Buffer): void {
    const r = this[kReader]!;
    const handler = r.#owner.waiting;
    if (handler === undefined || r.#info) return;
    try {
      if (handler.onData?.(chunk) === false) r.pause();
    } catch (err) {
      r.#owner.responseFailed(err as Error);
    }
  }

  static #onMessageComplete(this: Tagged): void {
    const r = this[kReader]!;
    const owner = r.#owner;
    const handler = owner.waiting;
    if (handler === undefined) return;
    if (r.#info) {
      r.#info = false;
      return;
    }
    r.#finished = true;
    owner.responseComplete();
    try {
      handler.onComplete?.(null);
    } catch (err) {
      // As undici: a handler that throws after its response costs the connection.
      r.#finished = false;
      owner.responseFailed(err as Error);
    }
  }

  /** After every read llhttp took from the socket: the byte count, or the parse error. */
  static #onExecute(this: Tagged, ret: number | Error): void {
    const r = this[kReader]!;
    const finished = r.#finished;
    r.#finished = false;
    if (typeof ret !== 'number') {
      r.#owner.responseFailed(parseError(ret));
    } else if (r.#orphan) {
      r.#orphan = false;
      r.#owner.responseFailed(new UpstreamError('UND_ERR_INFO', 'upstream sent bytes unasked'));
    } else {
      r.#owner.readDone(finished);
    }
  }
}
