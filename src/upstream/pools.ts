import { isIP } from 'node:net';
import { Pool } from 'undici';
import type { UpstreamNode } from '../balancer/types.js';
import type { KeepaliveSettings, TlsSettings } from './settings.js';

export interface PoolSetOptions {
  readonly scheme: string;
  readonly connectMs: number;
  readonly readMs: number;
  readonly keepalive: KeepaliveSettings;
  readonly tls: TlsSettings | undefined;
}

/**
 * The keep-alive connection pools of one upstream version, one per node (and per TLS server
 * name, as APISIX keys its pools `scheme#host#port#sni`), created on first use and reused by
 * every request; closed gracefully (in-flight requests finish) when the upstream goes away.
 */
export class PoolSet {
  readonly #opts: PoolSetOptions;
  readonly #pools = new Map<string, Pool>();
  #closed = false;

  constructor(opts: PoolSetOptions) {
    this.#opts = opts;
  }

  /**
   * The pool for `node`; `sni` only for https (the upstream Host); `connectMs` when a route's
   * timeout differs from the upstream's (connect timeouts are a pool setting in undici).
   */
  get(node: UpstreamNode, sni: string | undefined, connectMs: number): Pool {
    let key = node.key;
    if (sni !== undefined) key += '#' + sni;
    if (connectMs !== this.#opts.connectMs) key += '#' + connectMs;
    let pool = this.#pools.get(key);
    if (pool === undefined || this.#closed) {
      pool = this.#create(node, sni, connectMs);
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

  #create(node: UpstreamNode, sni: string | undefined, connectMs: number): Pool {
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
