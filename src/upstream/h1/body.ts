import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { UpstreamError } from './errors.js';
import { CHUNKED } from './head.js';

/** Told how sending a streamed body ended. */
export interface BodySink {
  /** Every byte is written (and the chunked terminator). */
  bodySent(): void;
  /** The body stream failed, closed early, or did not match its Content-Length. */
  bodyFailed(err: Error): void;
}

const kWriter = Symbol('h1BodyWriter');
type Tagged = Readable & { [kWriter]?: BodyWriter };

/**
 * Streams one request body onto a connection's socket at a time, as undici does: the request
 * head goes out with the first chunk (one write), then the chunks as they come, with
 * Content-Length as declared (checked) or chunked. When the socket does not take more the
 * body is paused until 'drain' (RequestBody times that pause: the send timeout).
 */
export class BodyWriter {
  readonly #socket: Socket;
  readonly #sink: BodySink;
  #body: Tagged | undefined;
  #head: string | undefined;
  /** Bytes still due, or CHUNKED. */
  #left = 0;
  #chunked = false;

  constructor(socket: Socket, sink: BodySink) {
    this.#socket = socket;
    this.#sink = sink;
  }

  get active(): boolean {
    return this.#body !== undefined;
  }

  /** Starts sending `body` after `head`; `length` as the head declared it (or CHUNKED). */
  start(body: Readable, head: string, length: number): void {
    const b = body as Tagged;
    this.#body = b;
    this.#head = head;
    this.#left = length;
    this.#chunked = length === CHUNKED;
    b[kWriter] = this;
    b.on('data', BodyWriter.#onData);
    b.on('end', BodyWriter.#onEnd);
    b.on('error', BodyWriter.#onError);
    b.on('close', BodyWriter.#onClose);
    if (b.destroyed) this.#failed(undefined);
    // Flowing again if an earlier try paused it (stop()).
    else b.resume();
  }

  /**
   * Stops listening to the body (the exchange is over, or the try failed). The body is paused:
   * flowing without a listener would drop chunks that another try may still have to send.
   */
  stop(): void {
    const b = this.#body;
    if (b === undefined) return;
    this.#body = undefined;
    this.#head = undefined;
    if (!b.readableEnded) b.pause();
    b[kWriter] = undefined;
    b.off('data', BodyWriter.#onData);
    b.off('end', BodyWriter.#onEnd);
    b.off('error', BodyWriter.#onError);
    b.off('close', BodyWriter.#onClose);
  }

  /** The socket's 'drain'. */
  drained(): void {
    const b = this.#body;
    if (b !== undefined && b.isPaused()) b.resume();
  }

  #data(chunk: Buffer | string): void {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const len = data.length;
    if (len === 0) return;
    if (!this.#chunked) {
      if (len > this.#left) {
        this.#mismatch('request body longer than its content-length');
        return;
      }
      this.#left -= len;
    }
    const socket = this.#socket;
    socket.cork();
    if (this.#head !== undefined) {
      socket.write(this.#head, 'latin1');
      this.#head = undefined;
    }
    let ok: boolean;
    if (this.#chunked) {
      socket.write(len.toString(16) + '\r\n', 'latin1');
      socket.write(data);
      ok = socket.write('\r\n', 'latin1');
    } else {
      ok = socket.write(data);
    }
    socket.uncork();
    if (!ok) this.#body?.pause();
  }

  #end(): void {
    if (!this.#chunked && this.#left > 0) {
      this.#mismatch('request body shorter than its content-length');
      return;
    }
    const head = this.#head;
    const chunked = this.#chunked;
    this.stop();
    if (head !== undefined) this.#socket.write(chunked ? head + '0\r\n\r\n' : head, 'latin1');
    else if (chunked) this.#socket.write('0\r\n\r\n', 'latin1');
    this.#sink.bodySent();
  }

  #failed(err: Error | undefined): void {
    this.stop();
    this.#sink.bodyFailed(
      err ?? new UpstreamError('UND_ERR_ABORTED', 'request body closed before its end'),
    );
  }

  #mismatch(message: string): void {
    this.stop();
    this.#sink.bodyFailed(new UpstreamError('UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', message));
  }

  // Listeners shared by every body (`this` is the body): no closure per request.
  static #onData(this: Tagged, chunk: Buffer): void {
    const w = this[kWriter];
    if (w !== undefined) w.#data(chunk);
  }
  static #onEnd(this: Tagged): void {
    const w = this[kWriter];
    if (w !== undefined) w.#end();
  }
  static #onError(this: Tagged, err: Error): void {
    const w = this[kWriter];
    if (w !== undefined) w.#failed(err);
  }
  static #onClose(this: Tagged): void {
    const w = this[kWriter];
    if (w !== undefined) w.#failed(undefined);
  }
}
