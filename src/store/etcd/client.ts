import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  type IBackoff,
} from 'cockatiel';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import { GatehouseError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { etcdTlsOptions, type EtcdTlsOptions } from './tls.js';

/** What `deployment.etcd` (plus `apisix.ssl.ssl_trusted_certificate`) says about the connection. */
export interface EtcdConnectionOptions {
  /** `http(s)://host:port` endpoints of one cluster. */
  hosts: string[];
  /** Seconds: the longest any call may take, failover included (APISIX default 30). */
  timeoutSeconds: number;
  user?: string;
  password?: string;
  tls?: EtcdTlsOptions;
}

/**
 * One etcd3 client, tuned (notes/etcd.md §3.6): without these options a call to a frozen etcd
 * never returns, a host that failed once is shut out for 5 s, and the watch waits up to 30 s
 * before reconnecting. The client holds one gRPC (HTTP/2) channel per endpoint and one watch
 * stream for all the watchers created on it (not on its namespaces: each namespace has its own).
 */
export function createEtcdClient(opts: EtcdConnectionOptions, logger: Logger): Etcd3 {
  if (opts.hosts.length === 0) {
    throw new GatehouseError('GH_ERR_STORE_UNAVAILABLE', 'deployment.etcd.host lists no endpoint');
  }
  // `timeout` bounds a whole call, failover included: each attempt (one per endpoint, plus one
  // for a member that restarts under us) gets its share, so a frozen etcd cannot hold a caller
  // for attempts × timeout.
  const attempts = opts.hosts.length + 1;
  const attemptMs = Math.max(100, (Math.max(0.1, opts.timeoutSeconds) * 1000) / attempts);
  const options: IOptions = {
    hosts: opts.hosts,
    dialTimeout: Math.min(attemptMs, 2000),
    // Streams (watch) live for as long as the store; every unary call attempt gets a deadline.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + attemptMs }),
    faultHandling: {
      // A failed endpoint is tried again after 1 s, not etcd3's 5 s, so a restarted single
      // etcd is usable as soon as it is healthy.
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), {
          halfOpenAfter: 1000,
          breaker: new ConsecutiveBreaker(3),
        }),
      // Each retry picks another endpoint: this is the failover between hosts.
      global: retry(handleWhen(isRecoverableError), { maxAttempts: attempts - 1 }),
      // etcd3 types this as a backoff but calls .next() on it as a factory at run time.
      watchBackoff: new ExponentialBackoff({
        initialDelay: 100,
        maxDelay: 2000,
      }) as unknown as IBackoff<unknown>,
    },
  };
  if (opts.user !== undefined) {
    options.auth = { username: opts.user, password: opts.password ?? '' };
  }
  // With user/password, etcd3 fetches its token on a channel of its own that gets neither
  // grpcOptions (so no sni) nor the verify: false override: see README "etcd".
  Object.assign(options, etcdTlsOptions(opts.tls, logger));
  return new Etcd3(options);
}
