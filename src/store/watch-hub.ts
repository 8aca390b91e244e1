import type { Logger } from '../core/logger.js';
import type { HistorySource } from './history.js';
import type { Watch, WatchBatch, WatchEvent } from './types.js';
import { Watcher } from './watcher.js';

/**
 * The in-process watches of one store. The store calls publish() after each commit; each watch
 * filters and delivers on its own (see Watcher). Shared by the embedded and yaml backends.
 */
export class WatchHub {
  readonly #source: HistorySource;
  readonly #logger: Logger;
  readonly #watchers = new Set<Watcher>();
  #closedWith: Error | undefined;

  constructor(source: HistorySource, logger: Logger) {
    this.#source = source;
    this.#logger = logger;
  }

  watch(prefix: string, fromRevision: number, onBatch: (batch: WatchBatch) => void): Watch {
    const watcher = new Watcher({
      prefix,
      // A closed store has no history to read: start "live" and fail at once.
      fromRevision: this.#closedWith ? 0 : fromRevision,
      onBatch,
      source: this.#closedWith ? closedSource : this.#source,
      logger: this.#logger,
      onDone: (w) => this.#watchers.delete(w),
    });
    if (this.#closedWith) watcher.fail(this.#closedWith);
    else this.#watchers.add(watcher);
    return { cancel: () => watcher.cancel() };
  }

  publish(revision: number, events: WatchEvent[]): void {
    for (const w of this.#watchers) w.publish(revision, events);
  }

  /** Every open watch gets one `error` batch; later watches get it at once. */
  close(error: Error): void {
    this.#closedWith = error;
    for (const w of [...this.#watchers]) w.fail(error);
  }

  get size(): number {
    return this.#watchers.size;
  }
}

const closedSource: HistorySource = {
  currentRevision: () => 0,
  compactRevision: () => 0,
  readHistory: () => ({ revisions: [], throughRevision: 0 }),
};
