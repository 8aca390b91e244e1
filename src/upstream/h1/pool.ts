import { Connection, type ConnectionOwner, type ConnectionSettings } from './connection.js';
import { UpstreamError } from './errors.js';
import type { UpstreamDispatcher, UpstreamHandler, UpstreamRequest } from './types.js';

export interface H1PoolOptions extends ConnectionSettings {
  /** Where upgrade requests (WebSocket) go: made on first use, closed with this pool. */
  readonly upgrades: () => UpstreamDispatcher;
}

/**
 * Keep-alive HTTP/1.1 connections to one upstream node (and TLS server name), as undici's Pool
 * is configured for nginx parity: no cap on connections (nginx's `keepalive` caps idle ones
 * only), one request per connection at a time, the most recently used idle connection first
 * (warm, and the others age out by `idle_timeout`).
 *
 * @example
 *   const pool = new H1Pool({ host: '127.0.0.1', port: 8080, tls: undefined, connectMs: 60_000,
 *     idleMs: 60_000, maxRequests: 1000, readMs: 60_000, upgrades: () => undiciPool });
 *   pool.dispatch({ path: '/', method: 'GET', headers: ['host', 'example.com'] }, handler);
 */
export class H1Pool implements UpstreamDispatcher, ConnectionOwner {
  readonly #opts: H1PoolOptions;
  /** Idle connections, the most recently released last. */
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();
  #session: Buffer | undefined;
  #upgrades: UpstreamDispatcher | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(opts: H1PoolOptions) {
    this.#opts = opts;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Connections open or opening. */
  get size(): number {
    return this.#all.size;
  }

  dispatch(req: UpstreamRequest, handler: UpstreamHandler): boolean {
    if (req.upgrade !== undefined) {
      return (this.#upgrades ??= this.#opts.upgrades()).dispatch(req, handler);
    }
    if (this.#closing) {
      handler.onError?.(new UpstreamError('UND_ERR_DESTROYED', 'upstream pool closed'));
      return false;
    }
    let conn = this.#idle.pop();
    while (conn !== undefined && !conn.usable) conn = this.#idle.pop();
    (conn ?? this.#open()).run(req, handler, false);
    return true;
  }

  /** Stops taking requests and closes idle connections; in-flight requests finish. */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#closing = true;
    for (const conn of this.#idle) conn.close();
    this.#idle.length = 0;
    const upgrades = this.#upgrades?.close().catch(() => undefined);
    const drained =
      this.#all.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => (this.#drained = resolve));
    this.#closed = Promise.all([drained, upgrades]).then(() => undefined);
    return this.#closed;
  }

  released(conn: Connection): void {
    if (this.#closing) conn.close();
    else this.#idle.push(conn);
  }

  closed(conn: Connection): void {
    this.#all.delete(conn);
    const i = this.#idle.lastIndexOf(conn);
    if (i >= 0) this.#idle.splice(i, 1);
    if (this.#all.size === 0) this.#drained?.();
  }

  redispatch(req: UpstreamRequest, handler: UpstreamHandler): void {
    // Also while closing: the request was taken before, and may finish.
    this.#open().run(req, handler, true);
  }

  saveSession(session: Buffer): void {
    this.#session = session;
  }

  #open(): Connection {
    const conn = new Connection(this, this.#opts, this.#session);
    this.#all.add(conn);
    return conn;
  }
}
