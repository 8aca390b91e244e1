/** Who reads a request body and is told when the client stalled. */
export interface BodyReader {
  clientBodyTimedOut(): void;
}

function onTimeout(t: BodyReadTimeout): void {
  // Node runs a turn's timers before its I/O: after a stall of the loop the timer is due while
  // the client's bytes that came in meanwhile are still unread. Decide after this turn's I/O (as
  // nginx does, events before timers); a chunk read there refreshed the timer.
  setImmediate(onTimeoutDue, t, t.chunks);
}
function onTimeoutDue(t: BodyReadTimeout, chunksWhenDue: number): void {
  if (t.chunks === chunksWhenDue) t.expired();
}

/**
 * nginx's `client_body_timeout`: "between two successive read operations" of a request body,
 * for every reader of one (the proxy streaming it upstream, a plugin's readBody). One timer per
 * body, refreshed on each chunk (no timer per chunk), and it counts only while the reader wants
 * client bytes: a client paused by back-pressure (the upstream is slow) is not at fault, as
 * nginx, buffering the body, would still be reading it. What a timeout does is the reader's:
 * nginx closes the connection with no answer (and logs 408).
 *
 * @example
 *   const timeout = new BodyReadTimeout(60_000, reader);
 *   timeout.wait(); // the client owes the next chunk
 *   req.on('data', () => timeout.refresh());
 *   req.once('end', () => timeout.stop());
 */
export class BodyReadTimeout {
  readonly #ms: number;
  readonly #reader: BodyReader;
  #timer: NodeJS.Timeout | undefined;
  #waiting = false;
  /** Chunks read so far: a timeout is void if one came in the turn it fell due. */
  chunks = 0;

  /** @param ms client_body_timeout, over 0. */
  constructor(ms: number, reader: BodyReader) {
    this.#ms = ms;
    this.#reader = reader;
  }

  /** The client owes the next chunk: (re)start the timer. */
  wait(): void {
    this.#waiting = true;
    // A fired timer may be refreshed again, so one timer serves the whole body.
    if (this.#timer === undefined) {
      this.#timer = setTimeout(onTimeout, this.#ms, this);
      this.#timer.unref();
    } else {
      this.#timer.refresh();
    }
  }

  /** A chunk came: the wait starts over. */
  refresh(): void {
    this.chunks++;
    this.#timer?.refresh();
  }

  /** The reader paused the client: the time until the next `wait` is not the client's. */
  hold(): void {
    this.#waiting = false;
  }

  /** The body ended, or its reading did. */
  stop(): void {
    this.#waiting = false;
    clearTimeout(this.#timer);
  }

  /** The timer ran out; ignored if the client was held meanwhile. */
  expired(): void {
    if (this.#waiting) this.#reader.clientBodyTimedOut();
  }
}
