import type { Database } from 'better-sqlite3';
import { GatehouseError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type {
  ConfigStore,
  DeleteResult,
  KeyValue,
  PutOptions,
  PutResult,
  RangeResult,
  Watch,
  WatchBatch,
} from '../types.js';
import { WatchHub } from '../watch-hub.js';
import { KvTables, type Commit } from './kv-tables.js';
import { LeaseTimer } from './lease-timer.js';
import { openDatabase, sqliteCode } from './open-database.js';

export interface EmbeddedStoreOptions {
  /** The SQLite file; its directory is created if missing. */
  file: string;
  /** Most history events kept for watch replay (default 10000); older ones are compacted. */
  historyLimit?: number;
  logger?: Logger;
}

const DEFAULT_HISTORY_LIMIT = 10_000;

/**
 * The default config store: one SQLite file, etcd semantics, for a single node.
 *
 * Every call runs synchronously on better-sqlite3 and resolves after its transaction committed
 * (and was synced: see open-database.ts). Watches are in-process.
 *
 * @example
 *   const store = EmbeddedStore.open({ file: 'data/gatehouse.db' });
 *   const { revision } = await store.put('/apisix/routes/1', '{"uri":"/hello"}');
 *   store.watch('/apisix/', revision + 1, (batch) => console.log(batch));
 */
export class EmbeddedStore implements ConfigStore {
  readonly kind = 'embedded';
  readonly writable = true;
  readonly #file: string;
  readonly #db: Database;
  readonly #tables: KvTables;
  readonly #hub: WatchHub;
  readonly #leases: LeaseTimer;
  readonly #historyLimit: number;
  readonly #logger: Logger;
  #closed = false;

  private constructor(file: string, db: Database, opts: EmbeddedStoreOptions) {
    this.#file = file;
    this.#db = db;
    this.#logger = opts.logger ?? silentLogger();
    this.#historyLimit = Math.max(1, opts.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    this.#tables = new KvTables(db);
    this.#hub = new WatchHub(this.#tables, this.#logger);
    this.#leases = new LeaseTimer(() => this.#expireLeases());
  }

  /** Opens or creates the store. Throws GH_ERR_STORE_LOCKED or GH_ERR_STORE_UNAVAILABLE. */
  static open(opts: EmbeddedStoreOptions): EmbeddedStore {
    const db = openDatabase(opts.file);
    try {
      const store = new EmbeddedStore(opts.file, db, opts);
      store.#expireLeases(); // leases that ran out while no process had the file open
      return store;
    } catch (err) {
      db.close();
      throw storeError(err, opts.file);
    }
  }

  range(prefix: string): Promise<RangeResult> {
    return this.#run(() => this.#tables.range(prefix));
  }

  get(key: string): Promise<KeyValue | undefined> {
    return this.#run(() => this.#tables.get(key));
  }

  put(key: string, value: string, opts: PutOptions = {}): Promise<PutResult> {
    return this.putFrom(key, () => value, opts);
  }

  putFrom(
    key: string,
    valueOf: (prev: KeyValue | undefined) => string,
    opts: PutOptions = {},
  ): Promise<PutResult> {
    return this.#run(() => {
      const commit = this.#tables.put(key, valueOf, opts, Date.now());
      this.#committed(commit);
      if (opts.leaseTtlSeconds !== undefined) this.#leases.arm(this.#tables.nextLeaseExpiry());
      return commit.prev
        ? { revision: commit.revision, prev: commit.prev }
        : { revision: commit.revision };
    });
  }

  delete(key: string, opts: { ifModRevision?: number } = {}): Promise<DeleteResult> {
    return this.#run(() => {
      const commit = this.#tables.delete(key, opts.ifModRevision);
      if (commit.deleted) this.#committed(commit);
      return { deleted: commit.deleted, revision: commit.revision };
    });
  }

  deletePrefix(prefix: string): Promise<DeleteResult & { count: number }> {
    return this.#run(() => {
      const commit = this.#tables.deletePrefix(prefix);
      if (commit.count > 0) this.#committed(commit);
      return { deleted: commit.count > 0, revision: commit.revision, count: commit.count };
    });
  }

  watch(prefix: string, fromRevision: number, onBatch: (batch: WatchBatch) => void): Watch {
    return this.#hub.watch(prefix, fromRevision, onBatch);
  }

  compact(revision: number): Promise<void> {
    return this.#run(() => {
      const current = this.#tables.currentRevision();
      if (revision > current) {
        throw new GatehouseError(
          'GH_ERR_STORE_UNAVAILABLE',
          `cannot compact ${this.#file} to revision ${revision}: it is at ${current}`,
        );
      }
      this.#tables.compact(revision);
    });
  }

  revision(): Promise<number> {
    return this.#run(() => this.#tables.currentRevision());
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#leases.stop();
      this.#hub.close(new GatehouseError('GH_ERR_STORE_CLOSED', `store ${this.#file} was closed`));
      this.#db.close();
    }
    return Promise.resolve();
  }

  /** After a commit: tell the watches, then keep the history within its limit. */
  #committed(commit: Commit): void {
    this.#hub.publish(commit.revision, commit.events);
    if (this.#tables.historyCount <= this.#historyLimit) return;
    try {
      // Compact a tenth below the limit, so a busy store does not compact on every write.
      this.#tables.compactToKeep(this.#historyLimit - Math.floor(this.#historyLimit / 10));
    } catch (err) {
      // The write itself committed: report it as done, and retry compaction on the next one.
      this.#logger.error({ err, file: this.#file }, 'history compaction failed');
    }
  }

  #expireLeases(): void {
    if (this.#closed) return;
    try {
      for (const commit of this.#tables.expireLeases(Date.now())) this.#committed(commit);
      this.#leases.arm(this.#tables.nextLeaseExpiry());
    } catch (err) {
      // A timer callback has no caller to throw to: log, and let the next write or open retry.
      this.#logger.error({ err, file: this.#file }, 'lease expiry failed');
    }
  }

  /** Runs a synchronous operation as the promise the interface wants; errors become rejections. */
  #run<T>(op: () => T): Promise<T> {
    if (this.#closed) {
      return Promise.reject(
        new GatehouseError('GH_ERR_STORE_CLOSED', `store ${this.#file} was closed`),
      );
    }
    try {
      return Promise.resolve(op());
    } catch (err) {
      return Promise.reject(storeError(err, this.#file));
    }
  }
}

/** Coded errors pass through; SQLite failures (disk full, I/O) become GH_ERR_STORE_UNAVAILABLE. */
function storeError(err: unknown, file: string): GatehouseError {
  if (err instanceof GatehouseError) return err;
  const code = sqliteCode(err) ?? 'unknown';
  const message = err instanceof Error ? err.message : String(err);
  return new GatehouseError(
    'GH_ERR_STORE_UNAVAILABLE',
    `embedded store ${file} failed (${code}): ${message}`,
    { cause: err },
  );
}
