import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/**
 * Why a request body stopped flowing upstream. Internal to the proxy (it ends one exchange and
 * never reaches an API or a log as a coded error): the exchange maps it to a status.
 */
export class BodyError extends Error {
  constructor(
    /**
     * `too-large` → 413, `send-timeout` → 504, `client-timeout` (client_body_timeout) → the
     * connection is closed with no answer, as nginx (it logs 408).
     */
    readonly reason: 'too-large' | 'send-timeout' | 'client-timeout',
    message: string,
  ) {
    super(message);
  }
}

/** Module-level listeners (`this` is the client request): no closure per request. */
function onClientData(this: Tagged, chunk: Buffer): void {
  this[kBody]?.fromClient(chunk);
}
function onClientEnd(this: Tagged): void {
  this[kBody]?.clientEnded();
}
function onClientError(this: Tagged, err: Error): void {
  this[kBody]?.destroy(err);
}
function onSendTimeout(this: RequestBody): void {
  this.fail(new BodyError('send-timeout', 'upstream timed out while sending request'));
}
function onReadTimeout(body: RequestBody): void {
  // Node runs a turn's timers before its I/O: after a stall of the loop the timer is due while
  // the client's bytes that came in meanwhile are still unread. Decide after this turn's I/O (as
  // nginx does, events before timers); a chunk read there re-armed the timer.
  setImmediate(onReadTimeoutDue, body, body.size);
}
function onReadTimeoutDue(body: RequestBody, sizeWhenDue: number): void {
  if (body.size === sizeWhenDue) body.readTimedOut();
}

/** Who is told when the body fails a check (the exchange: no closure per request). */
export interface BodyOwner {
  bodyFailed(err: BodyError): void;
}

const kBody = Symbol('requestBody');
type Tagged = IncomingMessage & { [kBody]?: RequestBody };

/**
 * The client's request body as undici reads it: a pass-through Readable over the IncomingMessage
 * that adds the two checks nginx makes while a body is transferred.
 *
 * - `client_max_body_size` for a body without Content-Length (chunked): the bytes are counted as
 *   they stream, and past the limit the body fails as `too-large` (→ 413).
 *   A body with a Content-Length over the limit never gets here: it is refused before routing.
 * - `timeout.send` (nginx `proxy_send_timeout`: "between two successive write operations"):
 *   undici pauses its body source while the upstream socket does not take more (`write` returned
 *   false) and resumes it on `drain`. The time spent paused is the time the upstream received
 *   nothing, so a timer runs only while paused and fails the body as `send-timeout`
 *   (→ 504, as nginx's "upstream timed out ... while sending request to upstream"). A slow client
 *   is not a send timeout: while undici waits for client bytes it is not paused.
 * - `client_body_timeout` (nginx: "between two successive read operations"): one timer per body,
 *   refreshed on each chunk, fails the body as `client-timeout`. It counts only while the proxy
 *   wants client bytes: while the client is paused because the upstream is slow, the client is
 *   not at fault (nginx, buffering the body, would still be reading it). A bodyless request
 *   never gets here, so it costs no timer.
 *
 * The client request is read only once undici pulls (so nothing flows before it listens), and it
 * is paused whenever the wrapper's buffer is full (back-pressure both ways). Destroying the
 * wrapper (undici does on abort) leaves the client connection alone, so a 413 can still be sent.
 */
export class RequestBody extends Readable {
  readonly #req: Tagged;
  readonly #limit: number;
  readonly #sendMs: number;
  readonly #readMs: number;
  readonly #owner: BodyOwner;
  #size = 0;
  #reading = false;
  #failed = false;
  #timer: NodeJS.Timeout | undefined;
  #readTimer: NodeJS.Timeout | undefined;
  /** Reading the client and not paused by back-pressure: the read timer counts. */
  #awaiting = false;

  /**
   * @param limit bytes allowed without a Content-Length; 0 = no limit.
   * @param sendMs the send timeout; 0 = none.
   * @param readMs client_body_timeout; 0 = none.
   * @param owner told once when the body fails one of its checks (the exchange aborts the try).
   */
  constructor(
    req: IncomingMessage,
    limit: number,
    sendMs: number,
    readMs: number,
    owner: BodyOwner,
  ) {
    super();
    this.#req = req;
    this.#limit = req.headers['content-length'] === undefined ? limit : 0;
    this.#sendMs = sendMs;
    this.#readMs = readMs;
    this.#owner = owner;
    if (sendMs > 0) {
      this.on('pause', armSendTimer);
      this.on('resume', disarmSendTimer);
      this.once('end', disarmSendTimer);
    }
  }

  /** Bytes read from the client so far. */
  get size(): number {
    return this.#size;
  }

  override _read(): void {
    const req = this.#req;
    if (this.#reading) {
      req.resume();
      this.#awaitClient();
      return;
    }
    if (this.#failed) return;
    this.#reading = true;
    req[kBody] = this;
    req.on('data', onClientData);
    req.once('end', onClientEnd);
    req.once('error', onClientError);
    this.#awaitClient();
  }

  /** The client owes the next chunk: (re)start client_body_timeout. */
  #awaitClient(): void {
    if (this.#readMs === 0 || this.#req.readableEnded) return;
    this.#awaiting = true;
    // One timer per body, refreshed (a fired timer may be refreshed again): no timer per chunk.
    if (this.#readTimer === undefined) {
      this.#readTimer = setTimeout(onReadTimeout, this.#readMs, this);
      this.#readTimer.unref();
    } else {
      this.#readTimer.refresh();
    }
  }

  /** client_body_timeout ran out; ignored if the client was paused for the upstream meanwhile. */
  readTimedOut(): void {
    if (!this.#awaiting) return;
    this.fail(new BodyError('client-timeout', 'client timed out while sending the body'));
  }

  /** One chunk from the client. */
  fromClient(chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#limit > 0 && this.#size > this.#limit) {
      this.fail(new BodyError('too-large', 'client intended to send too large chunked body'));
      return;
    }
    if (this.push(chunk)) {
      this.#readTimer?.refresh();
    } else {
      this.#req.pause();
      this.#awaiting = false;
    }
  }

  clientEnded(): void {
    this.#stopReadTimer();
    this.push(null);
  }

  #stopReadTimer(): void {
    this.#awaiting = false;
    clearTimeout(this.#readTimer);
  }

  /** Stops reading the client and reports `err`, once. */
  fail(err: BodyError): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#detach();
    this.#owner.bodyFailed(err);
  }

  /** Starts or restarts the send timer (undici paused this source). */
  armSendTimer(): void {
    clearTimeout(this.#timer);
    if (this.#failed || this.destroyed) return;
    this.#timer = setTimeout(onSendTimeout.bind(this), this.#sendMs);
    this.#timer.unref();
  }

  disarmSendTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#detach();
    cb(err);
  }

  #detach(): void {
    this.disarmSendTimer();
    this.#stopReadTimer();
    const req = this.#req;
    if (req[kBody] !== this) return;
    req[kBody] = undefined;
    req.off('data', onClientData);
    req.off('end', onClientEnd);
    req.off('error', onClientError);
  }
}

function armSendTimer(this: RequestBody): void {
  this.armSendTimer();
}
function disarmSendTimer(this: RequestBody): void {
  this.disarmSendTimer();
}
