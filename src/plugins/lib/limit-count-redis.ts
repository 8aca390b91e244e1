/**
 * limit-count's Redis counters (policies `redis`, `redis-cluster`, `redis-sentinel`). One ioredis
 * client per distinct connection conf in each worker, created on the first request that needs
 * it and reused by every conf with the same connection fields; `closeRedisClients` ends them.
 * A hit is one round trip: a Lua script that decides and counts atomically on one key (so it
 * works on a cluster too): a fixed window, or a sliding one (this window and the last).
 */
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from '../../core/logger.js';

export type RedisPolicy = 'redis' | 'redis-cluster' | 'redis-sentinel';

/** The connection fields of a conf (schema defaults applied). */
export interface RedisFields {
  readonly policy: RedisPolicy;
  readonly redis_host?: string;
  readonly redis_port?: number;
  readonly redis_username?: string;
  readonly redis_password?: string;
  readonly redis_database?: number;
  readonly redis_timeout?: number;
  readonly redis_ssl?: boolean;
  readonly redis_ssl_verify?: boolean;
  readonly redis_cluster_nodes?: readonly string[];
  readonly redis_cluster_name?: string;
  readonly redis_cluster_ssl?: boolean;
  readonly redis_cluster_ssl_verify?: boolean;
  readonly redis_sentinels?: readonly { host: string; port: number }[];
  readonly redis_master_name?: string;
  readonly redis_role?: 'master' | 'slave';
  readonly redis_connect_timeout?: number;
  readonly redis_read_timeout?: number;
  readonly sentinel_username?: string;
  readonly sentinel_password?: string;
}

/** The scripts of one connection; every reply is a list of integers. */
export interface RedisScripts {
  /** Fixed window: `[count after this hit, ms until the window ends]`. */
  fixed(key: string, cost: number, windowMs: number): Promise<number[]>;
  /**
   * Sliding window at `nowMs`: `[1 if admitted (and counted) else 0, this window's count,
   * the last window's count]`.
   */
  sliding(
    key: string,
    cost: number,
    limit: number,
    windowMs: number,
    nowMs: number,
  ): Promise<number[]>;
}

// KEYS[1] counter; ARGV[1] cost; ARGV[2] window in ms. A key without a live expiry (missing, or
// left without one) starts a new window, so a counter can never outlive its window.
const FIXED_SCRIPT = `
local left = redis.call('PTTL', KEYS[1])
if left > 0 then
  return { redis.call('INCRBY', KEYS[1], ARGV[1]), left }
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return { tonumber(ARGV[1]), tonumber(ARGV[2]) }
`;

// KEYS[1] a hash {w = window number, c = its count, p = the window before's count};
// ARGV cost, limit, window ms, now ms. Admits when this window's count plus the last window's
// count weighted by the share of it still inside the sliding window stays under the limit.
const SLIDING_SCRIPT = `
local cost, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local size, now = tonumber(ARGV[3]), tonumber(ARGV[4])
local wid = math.floor(now / size)
local state = redis.call('HMGET', KEYS[1], 'w', 'c', 'p')
local w, cur, last = tonumber(state[1]), tonumber(state[2]) or 0, tonumber(state[3]) or 0
if w == wid - 1 then
  last, cur = cur, 0
elseif w ~= wid then
  last, cur = 0, 0
end
if last > limit then last = limit end
if cur >= limit or last * (size - now % size) / size + cur >= limit then
  return { 0, cur, last }
end
cur = cur + cost
redis.call('HSET', KEYS[1], 'w', string.format('%d', wid), 'c', cur, 'p', last)
redis.call('PEXPIRE', KEYS[1], size * 2)
return { 1, cur, last }
`;

type Client = (Redis | Cluster) & {
  limitCountFixed: RedisScripts['fixed'];
  limitCountSliding: RedisScripts['sliding'];
};

const clients = new Map<string, Client>();

/**
 * Reconnect soon (requests fail at once while the connection is down, so this is how long a
 * Redis that came back goes unused), but never hammer a Redis that is down.
 */
const backoff = (attempt: number): number => Math.min(attempt * 20, 200);

function tlsOptions(on: boolean | undefined, verify: boolean | undefined, host?: string) {
  if (on !== true) return undefined;
  const tls: ConnectionOptions = { rejectUnauthorized: verify === true };
  if (host !== undefined && isIP(host) === 0) tls.servername = host;
  return tls;
}

const secret = (s: string | undefined): string | undefined => (s === '' ? undefined : s);

/** "host:port", "[v6]:port" or a bare host (port 6379), as APISIX's parse_addr reads them. */
export function parseNode(node: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(node);
  if (m === null) return undefined;
  const port = m[3] === undefined ? 6379 : Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}

function standaloneOptions(c: RedisFields): RedisOptions {
  const timeout = c.redis_timeout ?? 1000;
  return {
    host: c.redis_host ?? '127.0.0.1',
    port: c.redis_port ?? 6379,
    username: c.redis_username,
    password: secret(c.redis_password),
    db: c.redis_database ?? 0,
    tls: tlsOptions(c.redis_ssl, c.redis_ssl_verify, c.redis_host),
    connectTimeout: timeout,
    commandTimeout: timeout,
  };
}

function sentinelOptions(c: RedisFields): RedisOptions {
  return {
    sentinels: c.redis_sentinels?.map((s) => ({ host: s.host, port: s.port })),
    name: c.redis_master_name,
    role: c.redis_role ?? 'master',
    sentinelUsername: c.sentinel_username,
    sentinelPassword: secret(c.sentinel_password),
    username: c.redis_username,
    password: secret(c.redis_password),
    db: c.redis_database ?? 0,
    connectTimeout: c.redis_connect_timeout ?? 1000,
    commandTimeout: c.redis_read_timeout ?? 1000,
    sentinelCommandTimeout: c.redis_connect_timeout ?? 1000,
  };
}

/** The fields that make a connection different; equal keys share one client. */
export function connectionKey(c: RedisFields): string {
  switch (c.policy) {
    case 'redis-cluster':
      return JSON.stringify([
        c.policy,
        c.redis_cluster_name,
        c.redis_cluster_nodes,
        c.redis_password,
        c.redis_timeout,
        c.redis_cluster_ssl,
        c.redis_cluster_ssl_verify,
      ]);
    case 'redis-sentinel':
      return JSON.stringify([c.policy, sentinelOptions(c)]);
    default:
      return JSON.stringify([c.policy, standaloneOptions(c)]);
  }
}

function create(c: RedisFields, nodes: readonly { host: string; port: number }[]): Client {
  // Fail a call as soon as a reconnect fails rather than queueing it for many attempts: the
  // request is waiting (allow_degradation decides what a failure means).
  const common = { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: true };
  let client: Redis | Cluster;
  if (c.policy === 'redis-cluster') {
    const timeout = c.redis_timeout ?? 1000;
    const options: ClusterOptions = {
      ...common,
      clusterRetryStrategy: backoff,
      slotsRefreshTimeout: timeout,
      redisOptions: {
        password: secret(c.redis_password),
        tls: tlsOptions(c.redis_cluster_ssl, c.redis_cluster_ssl_verify),
        connectTimeout: timeout,
        commandTimeout: timeout,
        maxRetriesPerRequest: 0,
      },
    };
    client = new Cluster([...nodes], options);
  } else {
    const base = c.policy === 'redis-sentinel' ? sentinelOptions(c) : standaloneOptions(c);
    client = new Redis({ ...base, ...common, retryStrategy: backoff });
  }
  client.defineCommand('limitCountFixed', { numberOfKeys: 1, lua: FIXED_SCRIPT });
  client.defineCommand('limitCountSliding', { numberOfKeys: 1, lua: SLIDING_SCRIPT });
  return client as Client;
}

/**
 * The scripts on one conf's connection. The client is made on the first call; `logger` hears
 * about the connection going down (once per outage, not once per request).
 */
export function redisScripts(c: RedisFields, logger: Logger): RedisScripts {
  const key = connectionKey(c);
  const nodes = (c.redis_cluster_nodes ?? []).map(parseNode);
  const bad = c.redis_cluster_nodes?.find((_, i) => nodes[i] === undefined);
  if (bad !== undefined) throw new Error(`failed to parse address: ${bad}`);
  const clusterTimeout = c.policy === 'redis-cluster' ? (c.redis_timeout ?? 1000) : undefined;
  const client = (): Client => {
    let made = clients.get(key);
    if (made === undefined) {
      made = create(c, nodes as { host: string; port: number }[]);
      watch(made, c.policy, logger);
      clients.set(key, made);
    }
    // While a lost connection is being re-made, fail at once as APISIX's per-request connect
    // would (a refused connection), instead of holding every request until the next attempt.
    if (made.status === 'reconnecting') throw new Error('redis connection is down');
    return made;
  };
  const bounded = (reply: Promise<number[]>): Promise<number[]> =>
    clusterTimeout === undefined ? reply : deadline(reply, clusterTimeout);
  return {
    fixed: async (k, cost, windowMs) => bounded(client().limitCountFixed(k, cost, windowMs)),
    sliding: async (k, cost, limit, windowMs, nowMs) =>
      bounded(client().limitCountSliding(k, cost, limit, windowMs, nowMs)),
  };
}

/** A cluster queues calls while it has no usable node, with no timeout of its own. */
function deadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis cluster timeout after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function watch(client: Redis | Cluster, policy: RedisPolicy, logger: Logger): void {
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    logger.error({ plugin: 'limit-count', policy, err: err.message }, 'redis connection failed');
  });
  client.on('ready', () => {
    if (down) logger.info({ plugin: 'limit-count', policy }, 'redis connection back');
    down = false;
  });
}

/** Ends every client (plugin reload, worker exit). */
export function closeRedisClients(): void {
  for (const client of clients.values()) client.disconnect();
  clients.clear();
}
