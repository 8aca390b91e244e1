import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Pool } from 'undici';
import type { UpstreamNode } from '../balancer/types.js';
import { H1Pool } from './h1/pool.js';
import type { UpstreamDispatcher } from './h1/types.js';
import type { KeepaliveSettings, TlsSettings } from './settings.js';

export interface PoolSetOptions {
  readonly scheme: string;
  readonly connectMs: number;
  readonly readMs: number;
  readonly keepalive: KeepaliveSettings;
  readonly tls: TlsSettings | undefined;
}

/**
 * `GATEHOUSE_UPSTREAM_CLIENT=undici` puts undici's Pool back under the proxy (for comparison);
 * by default requests go through Gatehouse's own HTTP/1.1 pools (src/upstream/h1), and only
 * upgrades (WebSocket) through undici.
 */
const UNDICI = process.env.GATEHOUSE_UPSTREAM_CLIENT === 'undici';

/**
 * The keep-alive connection pools of one upstream version, one per node (and per TLS server
 * name, as APISIX keys its pools `scheme#host#port#sni`), created on first use and reused by
 * every request; closed gracefully (in-flight requests finish) when the upstream goes away.
 */
export class PoolSet {
  readonly #opts: PoolSetOptions;
  readonly #pools = new Map<string, UpstreamDispatcher>();
  #closed = false;

  constructor(opts: PoolSetOptions) {
    this.#opts = opts;
  }

  /**
   * The pool for `node`; `sni` only for https (the upstream Host); `connectMs` when a route's
   * timeout differs from the upstream's (the connect timeout is a pool setting).
   */
  get(node: UpstreamNode, sni: string | undefined, connectMs: number): UpstreamDispatcher {
    let key = node.key;
    if (sni !== undefined) key += '#' + sni;
    if (connectMs !== this.#opts.connectMs) key += '#' + connectMs;
    let pool = this.#pools.get(key);
    if (pool === undefined || this.#closed) {
      pool = UNDICI ? this.#undici(node, sni, connectMs) : this.#h1(node, sni, connectMs);
      // After close, a late request still gets a pool, but an unshared one.
      if (!this.#closed) this.#pools.set(key, pool);
    }
    return pool;
  }

  get size(): number {
    return this.#pools.size;
  }

  close(): void {
    this.#closed = true;
    for (const pool of this.#pools.values()) void pool.close().catch(() => undefined);
    this.#pools.clear();
  }

  #h1(node: UpstreamNode, sni: string | undefined, connectMs: number): H1Pool {
    const o = this.#opts;
    let tls: ConnectionOptions | undefined;
    if (o.scheme === 'https') {
      tls = { rejectUnauthorized: o.tls?.verify === true };
      // An IP is not a valid SNI server name: send none, as nginx does.
      if (sni !== undefined && isIP(sni) === 0) tls.servername = sni;
      if (o.tls?.cert !== undefined) tls.cert = o.tls.cert;
      if (o.tls?.key !== undefined) tls.key = o.tls.key;
    }
    return new H1Pool({
      host: node.host,
      port: node.port,
      tls,
      connectMs,
      // idle_timeout 0 closes at once, as nginx's keepalive_timeout 0 does.
      idleMs: Math.max(1, o.keepalive.idleTimeoutMs),
      maxRequests: o.keepalive.requests,
      readMs: o.readMs,
      upgrades: () => this.#undici(node, sni, connectMs),
    });
  }

  #undici(node: UpstreamNode, sni: string | undefined, connectMs: number): Pool {
    const o = this.#opts;
    const host = isIP(node.host) === 6 ? `[${node.host}]` : node.host;
    const idle = Math.max(1, o.keepalive.idleTimeoutMs);
    const connect: Record<string, unknown> = { timeout: connectMs };
    if (o.scheme === 'https') {
      // An IP is not a valid SNI server name: send none, as nginx does.
      if (sni !== undefined && isIP(sni) === 0) connect.servername = sni;
      connect.rejectUnauthorized = o.tls?.verify === true;
      if (o.tls?.cert !== undefined) connect.cert = o.tls.cert;
      if (o.tls?.key !== undefined) connect.key = o.tls.key;
    }
    return new Pool(`${o.scheme}://${host}:${node.port}`, {
      // nginx has no cap on connections to a peer; `keepalive` only caps idle ones.
      connections: null,
      pipelining: 1,
      keepAliveTimeout: idle,
      keepAliveMaxTimeout: idle,
      maxRequestsPerClient: o.keepalive.requests,
      headersTimeout: o.readMs,
      bodyTimeout: o.readMs,
      connect,
    });
  }
}
