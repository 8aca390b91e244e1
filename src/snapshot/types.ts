import type { KeyValue, WatchEvent } from '../core/kv.js';

/**
 * What a worker's in-memory configuration accepts from the primary: one full state, then ordered
 * deltas. Implemented by the data plane's state (src/snapshot/) and driven by the worker runtime
 * (src/cluster/worker.ts), which knows nothing else about it.
 */
export interface ConfigSink {
  /** Replaces everything with `items` (every key under the prefix) at `revision`. */
  reset(items: readonly KeyValue[], revision: number): void;
  /**
   * Applies one batch of changes, incrementally: a route change costs O(that route). Batches
   * arrive in revision order; a batch at or below the applied revision is ignored.
   */
  apply(revision: number, events: readonly WatchEvent[]): void;
  /** The revision of the last reset/apply. */
  readonly revision: number;
}

/** A resource that could not be loaded: skipped, logged, and reported by the Control API. */
export interface LoadProblem {
  key: string;
  message: string;
  /** The revision of the value that failed. */
  modRevision: number;
}
