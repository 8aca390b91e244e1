/**
 * The config store: keys and values with etcd v3 semantics (a global revision that every write
 * bumps, per-key create/mod revisions, compare-and-set, leases, watch with replay, compaction).
 * Every backend (embedded SQLite, etcd, yaml) implements this and passes
 * test/contract/config-store.contract.ts.
 */

export type { KeyValue, WatchEvent } from '../core/kv.js';
import type { KeyValue, WatchEvent } from '../core/kv.js';

/**
 * What a watch callback receives. `events` batches are delivered in revision order with no gap
 * and no duplicate. `compacted` means the requested start revision is gone: the caller must
 * re-read with range() and watch again from the range's revision + 1. `error` means the watch
 * stopped for another reason (store closed, connection lost for good).
 */
export type WatchBatch =
  | { kind: 'events'; revision: number; events: WatchEvent[] }
  | { kind: 'compacted'; compactRevision: number }
  | { kind: 'error'; error: Error };

export interface Watch {
  /** Stops delivery. No callback runs after cancel() returns. */
  cancel(): void;
}

export interface PutOptions {
  /** Write only if the key's mod revision equals this (0 = only if the key does not exist). */
  ifModRevision?: number;
  /** Attach the key to a new lease of this many seconds: the key is deleted when it expires. */
  leaseTtlSeconds?: number;
}

export interface PutResult {
  revision: number;
  /** The value the key held before this write, if any (etcd `prev_kv`). */
  prev?: KeyValue;
}

export interface DeleteResult {
  deleted: boolean;
  revision: number;
}

export interface RangeResult {
  /** In key order (byte-wise lexicographic, as etcd). */
  items: KeyValue[];
  /** The store revision the read was made at. */
  revision: number;
}

/**
 * Whether a remote store is reachable, as its client sees it (etcd: the watch stream and the
 * last call). A client that retries a lost connection forever never ends a watch with an
 * `error` batch, so this is how a reader learns that what it holds may be stale.
 */
export interface StoreHealth {
  connected: boolean;
  /** Since when (ms since the epoch) the store has been unreachable; set when not connected. */
  since?: number;
  /** The last failure, when not connected. */
  error?: string;
}

export interface ConfigStore {
  /** Which backend this is: 'embedded' | 'etcd' | 'yaml'. */
  readonly kind: string;
  /** Whether writes are possible (false for yaml). */
  readonly writable: boolean;
  /** Every key that starts with `prefix`, in key order. */
  range(prefix: string): Promise<RangeResult>;
  get(key: string): Promise<KeyValue | undefined>;
  /** Throws GH_ERR_STORE_CONFLICT when `ifModRevision` does not match. */
  put(key: string, value: string, opts?: PutOptions): Promise<PutResult>;
  /**
   * A put whose value is computed from the key's current value, read in the write's own
   * transaction: what a caller would otherwise do with get() then put(), without the second
   * read. `valueOf` runs synchronously, once; if it throws, nothing is written. Local stores
   * offer it; callers fall back to get() and put() where it is missing.
   */
  putFrom?(
    key: string,
    valueOf: (prev: KeyValue | undefined) => string,
    opts?: PutOptions,
  ): Promise<PutResult>;
  /** Deletes one key. A missing key gives `deleted: false` and does not bump the revision. */
  delete(key: string, opts?: { ifModRevision?: number }): Promise<DeleteResult>;
  /** Deletes every key under `prefix`, as one revision. */
  deletePrefix(prefix: string): Promise<DeleteResult & { count: number }>;
  /**
   * Delivers every change under `prefix` with revision >= fromRevision, then live changes.
   * A fromRevision below the compacted revision (as etcd: history before it is gone) yields one
   * `compacted` batch and stops; fromRevision <= 0 means "live changes only".
   */
  watch(prefix: string, fromRevision: number, onBatch: (batch: WatchBatch) => void): Watch;
  /** Forgets the history before `revision` (watches from older revisions get `compacted`). */
  compact(revision: number): Promise<void>;
  /** The current revision. */
  revision(): Promise<number>;
  /** Reachability of a remote store; local stores leave it out (always reachable). */
  health?(): StoreHealth;
  close(): Promise<void>;
}
