import type { KeyValue, WatchEvent } from '../core/kv.js';

/**
 * What the primary publishes to its workers: the shape of the store feed's updates. Declared
 * here (cluster depends on core and config only) and matched structurally by the feed.
 */
export type StateUpdate =
  | { kind: 'reset'; revision: number; items: readonly KeyValue[] }
  | { kind: 'events'; revision: number; events: readonly WatchEvent[] };

/** The primary's current full state, read when a worker (re)starts. */
export interface StateSnapshot {
  revision: number;
  items: Iterable<KeyValue>;
}

/**
 * A worker's in-memory configuration, as the worker runtime drives it. The same shape as
 * snapshot's ConfigSink (cluster may not import snapshot; TypeScript matches them structurally).
 */
export interface StateSink {
  reset(items: readonly KeyValue[], revision: number): void;
  apply(revision: number, events: readonly WatchEvent[]): void;
  readonly revision: number;
}

/** One worker as the Control API reports it. */
export interface WorkerInfo {
  /** The slot, 0..count-1 (a restarted or replacing worker takes the slot of the one it replaces). */
  id: number;
  pid: number;
  applied_revision: number;
  ready: boolean;
}
