import { connect, type Socket } from 'node:net';

/**
 * A raw client connection for tests about connection handling: write bytes when the test says,
 * wait for text to arrive or for the server to close, and read everything that came.
 */
export class RawClient {
  readonly socket: Socket;
  /** Everything read so far, as latin1. */
  text = '';
  /** Resolves when the connection closes (by either side, or on a reset). */
  readonly closed: Promise<void>;
  #waiters: (() => void)[] = [];

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (c: Buffer) => {
      this.text += c.toString('latin1');
      for (const w of this.#waiters.splice(0)) w();
    });
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        for (const w of this.#waiters.splice(0)) w();
        resolve();
      }),
    );
  }

  write(raw: string): this {
    this.socket.write(raw);
    return this;
  }

  /** Waits until the text read so far satisfies `done`; rejects if the connection closes first. */
  async until(done: (text: string) => boolean): Promise<string> {
    while (!done(this.text)) {
      if (this.socket.destroyed) {
        throw new Error(`connection closed; read ${JSON.stringify(this.text)}`);
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.text;
  }

  /** Waits for `n` complete responses with a Content-Length body. */
  responses(n: number): Promise<string> {
    return this.until((t) => countResponses(t) >= n);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Complete responses in `text`: heads followed by their Content-Length of body. */
export function countResponses(text: string): number {
  let n = 0;
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) return n;
    const head = text.slice(at, end);
    const length = /\r\ncontent-length: (\d+)/i.exec(head);
    const next = end + 4 + (length ? Number(length[1]) : 0);
    if (next > text.length) return n;
    n++;
    at = next;
  }
}
