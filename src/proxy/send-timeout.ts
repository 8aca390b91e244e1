import type { ServerResponse } from 'node:http';

/**
 * Bytes the client's socket has handed to the kernel: what was written less what still waits
 * (a write counts once it completes). Grows only while the client reads.
 */
function bytesFlushed(res: ServerResponse): number {
  const s = res.socket;
  return s === null ? 0 : s.bytesWritten - s.writableLength;
}

/**
 * nginx's send_timeout ("between two successive write operations") for one response: armed when
 * a write finds the client's socket buffer full, disarmed when it drains. When it runs out with
 * no byte flushed since it was armed, `expire` runs (the exchange closes the connection); a
 * client that is slow but reading re-arms it, as nginx re-arms its timer after each write that
 * made progress. One timer per response at most, made only when the client first stops taking
 * bytes: responses that never fill the buffer never make one.
 */
export class SendTimeout {
  readonly #res: ServerResponse;
  readonly #ms: number;
  readonly #expire: () => void;
  #timer: NodeJS.Timeout | undefined;
  /** The client has not taken all that was written (set on back-pressure, cleared on drain). */
  #blocked = false;
  #flushed = 0;

  constructor(res: ServerResponse, ms: number, expire: () => void) {
    this.#res = res;
    this.#ms = ms;
    this.#expire = expire;
  }

  /** A write found the buffer full, or the response ended with bytes still unwritten. */
  blocked(): void {
    this.#blocked = true;
    this.#flushed = bytesFlushed(this.#res);
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#fire(), this.#ms);
      this.#timer.unref();
    } else {
      this.#timer.refresh();
    }
  }

  drained(): void {
    this.#blocked = false;
  }

  #fire(): void {
    const res = this.#res;
    if (!this.#blocked || res.destroyed || res.writableFinished) return;
    const flushed = bytesFlushed(res);
    if (flushed > this.#flushed) {
      this.#flushed = flushed;
      this.#timer!.refresh();
      return;
    }
    this.#expire();
  }
}
