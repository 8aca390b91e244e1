import type { Etcd3 } from 'etcd3';
import { silentLogger, type Logger } from '../../core/logger.js';
import type {
  ConfigStore,
  DeleteResult,
  KeyValue,
  PutOptions,
  PutResult,
  RangeResult,
  StoreHealth,
  Watch,
  WatchBatch,
} from '../types.js';
import { createEtcdClient, type EtcdConnectionOptions } from './client.js';
import { etcdClosed, etcdUnavailable } from './errors.js';
import { EtcdWatch, failedWatch } from './etcd-watch.js';
import { ConnectionHealth } from './health.js';
import { EtcdKv } from './kv-ops.js';

export interface EtcdStoreOptions extends EtcdConnectionOptions {
  logger?: Logger;
}

/**
 * The cluster config store: etcd v3 over gRPC (HTTP/2), with the semantics of the embedded
 * store (test/contract/config-store.contract.ts). Keys are stored as given: the caller's keys
 * already carry `deployment.etcd.prefix`, exactly as APISIX lays them out.
 *
 * One store = one etcd3 client = one HTTP/2 connection per endpoint and one watch stream for
 * all its watches.
 *
 * @example
 *   const store = await EtcdStore.open({ hosts: ['http://127.0.0.1:2379'], timeoutSeconds: 30 });
 *   const { items, revision } = await store.range('/apisix/');
 *   store.watch('/apisix/', revision + 1, (batch) => apply(batch));
 */
export class EtcdStore implements ConfigStore {
  readonly kind = 'etcd';
  readonly writable = true;
  readonly #hosts: readonly string[];
  readonly #client: Etcd3;
  readonly #kv: EtcdKv;
  readonly #logger: Logger;
  readonly #watches = new Set<EtcdWatch>();
  readonly #health: ConnectionHealth;
  #closed = false;

  private constructor(client: Etcd3, opts: EtcdStoreOptions, logger: Logger) {
    this.#hosts = [...opts.hosts];
    this.#client = client;
    this.#kv = new EtcdKv(client);
    this.#logger = logger;
    this.#health = new ConnectionHealth(this.#hosts, logger);
  }

  /**
   * Connects and checks that etcd answers (within `timeoutSeconds`).
   * Throws GH_ERR_STORE_UNAVAILABLE naming the endpoints when it does not.
   */
  static async open(opts: EtcdStoreOptions): Promise<EtcdStore> {
    const store = EtcdStore.connect(opts);
    try {
      await store.revision();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  /**
   * The store without the check that etcd answers: for a node that starts from its
   * last-known-good snapshot while etcd is away, and catches up once it answers.
   * Throws only for a bad configuration (no endpoint, unreadable TLS files).
   */
  static connect(opts: EtcdStoreOptions): EtcdStore {
    const logger = opts.logger ?? silentLogger();
    let client: Etcd3;
    try {
      client = createEtcdClient(opts, logger);
    } catch (err) {
      throw etcdUnavailable(err, opts.hosts);
    }
    return new EtcdStore(client, opts, logger);
  }

  /** Reachable or not, and since when (the watch stream and the last call). */
  health(): StoreHealth {
    return this.#health.snapshot();
  }

  range(prefix: string): Promise<RangeResult> {
    return this.#call(() => this.#kv.range(prefix));
  }

  get(key: string): Promise<KeyValue | undefined> {
    return this.#call(() => this.#kv.get(key));
  }

  put(key: string, value: string, opts: PutOptions = {}): Promise<PutResult> {
    return this.#call(() => this.#kv.put(key, value, opts));
  }

  delete(key: string, opts: { ifModRevision?: number } = {}): Promise<DeleteResult> {
    return this.#call(() => this.#kv.delete(key, opts.ifModRevision));
  }

  deletePrefix(prefix: string): Promise<DeleteResult & { count: number }> {
    return this.#call(() => this.#kv.deletePrefix(prefix));
  }

  watch(prefix: string, fromRevision: number, onBatch: (batch: WatchBatch) => void): Watch {
    if (this.#closed) return failedWatch(onBatch, etcdClosed(this.#hosts));
    const watch = new EtcdWatch(prefix, fromRevision, onBatch, {
      client: this.#client,
      logger: this.#logger,
      compactedAfter: (revision) => this.#kv.compactedAfter(revision),
      onDone: (w) => this.#watches.delete(w),
      onConnection: (up, err) => {
        if (up) this.#health.streamConnected();
        else this.#health.streamLost(err?.message ?? 'watch stream lost');
      },
    });
    this.#watches.add(watch);
    return watch;
  }

  compact(revision: number): Promise<void> {
    return this.#call(() => this.#kv.compact(revision));
  }

  revision(): Promise<number> {
    return this.#call(() => this.#kv.revision());
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const error = etcdClosed(this.#hosts);
    for (const w of [...this.#watches]) w.fail(error);
    this.#client.close();
    return Promise.resolve();
  }

  async #call<T>(op: () => Promise<T>): Promise<T> {
    if (this.#closed) throw etcdClosed(this.#hosts);
    let result: T;
    try {
      result = await op();
    } catch (err) {
      if (this.#closed) throw etcdClosed(this.#hosts);
      const error = etcdUnavailable(err, this.#hosts);
      // A refused compare-and-set is etcd answering, not etcd being away.
      if (error.code === 'GH_ERR_STORE_UNAVAILABLE') this.#health.callFailed(error.message);
      throw error;
    }
    this.#health.callSucceeded();
    return result;
  }
}
