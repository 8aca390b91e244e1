import type { WatchEvent } from './types.js';

/** All the events of one revision, in the order they were written. */
export interface RevisionEvents {
  revision: number;
  events: WatchEvent[];
}

/**
 * Where a watch catches up from: a backend's event history. Watchers read it in pages so that a
 * watch from far back neither holds the whole history in memory nor blocks the event loop.
 */
export interface HistorySource {
  /** The store's current revision. */
  currentRevision(): number;
  /** The oldest revision history still covers; a watch from an older one is compacted. */
  compactRevision(): number;
  /**
   * The revisions >= `fromRevision` that have events, whole revisions only, about `maxEvents`
   * events (more when one revision alone is bigger). `throughRevision` is the last revision the
   * page accounts for: the next page starts after it.
   */
  readHistory(
    fromRevision: number,
    maxEvents: number,
  ): { revisions: RevisionEvents[]; throughRevision: number };
}
