/**
 * The per-upstream knobs of spec §5.3–5.5, read once per upstream version from the stored
 * object (schema defaults already applied) into plain numbers in milliseconds.
 */
export interface UpstreamSettings {
  /** `http` or `https` here; the L4 and gRPC schemes are other layers' business. */
  readonly scheme: string;
  readonly passHost: 'pass' | 'node' | 'rewrite';
  readonly upstreamHost: string | undefined;
  /** Undefined = number of nodes − 1 (decided when the nodes are known). */
  readonly retries: number | undefined;
  /** 0 = no limit. */
  readonly retryTimeoutMs: number;
  readonly timeout: TimeoutMs;
  readonly keepalive: KeepaliveSettings;
  readonly tls: TlsSettings | undefined;
  readonly type: string;
  readonly hashOn: string | undefined;
  readonly key: string | undefined;
}

export interface TimeoutMs {
  readonly connect: number;
  readonly send: number;
  readonly read: number;
}

export interface KeepaliveSettings {
  /** Idle connections kept per node (nginx `keepalive`). */
  readonly size: number;
  readonly idleTimeoutMs: number;
  /** Requests per connection before it is closed (nginx `keepalive_requests`). */
  readonly requests: number;
}

export interface TlsSettings {
  readonly cert: string | undefined;
  readonly key: string | undefined;
  /** APISIX leaves `proxy_ssl_verify` off unless `tls.verify` is true. */
  readonly verify: boolean;
}

/** nginx's `proxy_*_timeout` defaults, which APISIX keeps (60 s each). */
export const DEFAULT_TIMEOUT_MS: TimeoutMs = { connect: 60_000, send: 60_000, read: 60_000 };
/** `nginx_config.http.upstream` defaults: keepalive 320, keepalive_timeout 60s, requests 1000. */
export const DEFAULT_KEEPALIVE: KeepaliveSettings = {
  size: 320,
  idleTimeoutMs: 60_000,
  requests: 1000,
};

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;

/** A `timeout_def` object in seconds → milliseconds, or undefined when absent. */
export function timeoutMs(conf: unknown): TimeoutMs | undefined {
  const t = obj(conf);
  if (t === undefined) return undefined;
  const ms = (v: unknown, d: number): number => (typeof v === 'number' ? Math.round(v * 1000) : d);
  return {
    connect: ms(t.connect, DEFAULT_TIMEOUT_MS.connect),
    send: ms(t.send, DEFAULT_TIMEOUT_MS.send),
    read: ms(t.read, DEFAULT_TIMEOUT_MS.read),
  };
}

export function readSettings(conf: Readonly<Record<string, unknown>>): UpstreamSettings {
  const pool = obj(conf.keepalive_pool);
  const tls = obj(conf.tls);
  const passHost = str(conf.pass_host);
  return {
    scheme: str(conf.scheme) ?? 'http',
    passHost: passHost === 'node' || passHost === 'rewrite' ? passHost : 'pass',
    upstreamHost: str(conf.upstream_host),
    retries: num(conf.retries),
    retryTimeoutMs: Math.round((num(conf.retry_timeout) ?? 0) * 1000),
    timeout: timeoutMs(conf.timeout) ?? DEFAULT_TIMEOUT_MS,
    keepalive:
      pool === undefined
        ? DEFAULT_KEEPALIVE
        : {
            size: num(pool.size) ?? DEFAULT_KEEPALIVE.size,
            idleTimeoutMs: Math.round((num(pool.idle_timeout) ?? 60) * 1000),
            requests: num(pool.requests) ?? DEFAULT_KEEPALIVE.requests,
          },
    tls:
      tls === undefined
        ? undefined
        : { cert: str(tls.client_cert), key: str(tls.client_key), verify: tls.verify === true },
    type: str(conf.type) ?? 'roundrobin',
    hashOn: str(conf.hash_on),
    key: str(conf.key),
  };
}
