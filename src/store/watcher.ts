import type { Logger } from '../core/logger.js';
import type { HistorySource, RevisionEvents } from './history.js';
import type { WatchBatch, WatchEvent } from './types.js';

/** How many history events a catching-up watcher reads before yielding to the event loop. */
const CATCH_UP_PAGE_EVENTS = 1000;

/**
 * One watch: replays history from its start revision, then takes live events, and delivers them
 * in revision order, one batch per revision, always from a fresh tick (never inside the writer's
 * call stack). Single-threaded: history reads and publishes never interleave, which is what makes
 * the switch from replay to live gap-free.
 */
export class Watcher {
  readonly #prefix: string;
  readonly #onBatch: (batch: WatchBatch) => void;
  readonly #source: HistorySource;
  readonly #logger: Logger;
  readonly #onDone: (w: Watcher) => void;
  /** The next revision this watch has not yet accounted for. */
  #next: number;
  /** False while catching up from history; publishes are then ignored (history has them). */
  #live: boolean;
  #queue: WatchBatch[] = [];
  #scheduled = false;
  #done = false;

  constructor(opts: {
    prefix: string;
    fromRevision: number;
    onBatch: (batch: WatchBatch) => void;
    source: HistorySource;
    logger: Logger;
    onDone: (w: Watcher) => void;
  }) {
    this.#prefix = opts.prefix;
    this.#onBatch = opts.onBatch;
    this.#source = opts.source;
    this.#logger = opts.logger;
    this.#onDone = opts.onDone;
    const current = this.#source.currentRevision();
    // etcd: start_revision 0 means "from now on".
    this.#next = opts.fromRevision <= 0 ? current + 1 : opts.fromRevision;
    this.#live = this.#next > current;
    if (!this.#live) this.#schedule(false);
  }

  /** A committed revision. Called synchronously by the writer, right after commit. */
  publish(revision: number, events: WatchEvent[]): void {
    if (this.#done || !this.#live || revision < this.#next) return;
    this.#next = revision + 1;
    const mine = events.filter((e) => this.#matches(e));
    if (mine.length === 0) return;
    this.#queue.push({ kind: 'events', revision, events: mine });
    this.#schedule(true);
  }

  /** Ends the watch with an error batch (store closed); queued events are delivered first. */
  fail(error: Error): void {
    if (this.#done) return;
    this.#live = true; // the history may be gone with the store: read nothing more
    this.#next = Number.MAX_SAFE_INTEGER;
    this.#queue.push({ kind: 'error', error });
    this.#schedule(true);
  }

  cancel(): void {
    this.#done = true;
    this.#queue = [];
    this.#onDone(this);
  }

  #matches(e: WatchEvent): boolean {
    return (e.type === 'put' ? e.kv.key : e.key).startsWith(this.#prefix);
  }

  /** Live events go out on a microtask (lowest latency); history pages yield to I/O in between. */
  #schedule(soon: boolean): void {
    if (this.#scheduled || this.#done) return;
    this.#scheduled = true;
    if (soon) queueMicrotask(() => this.#drain());
    else setImmediate(() => this.#drain());
  }

  #drain(): void {
    this.#scheduled = false;
    if (this.#done) return;
    if (!this.#live) this.#readHistoryPage();
    while (this.#queue.length > 0 && !this.#done) {
      const batch = this.#queue.shift() as WatchBatch;
      if (batch.kind !== 'events') this.cancel();
      try {
        this.#onBatch(batch);
      } catch (err) {
        this.#logger.error({ err, prefix: this.#prefix }, 'watch callback threw');
      }
    }
    if (!this.#live) this.#schedule(false);
  }

  /** Queues one page of history and moves the watch to live once it reaches the present. */
  #readHistoryPage(): void {
    const compactRevision = this.#source.compactRevision();
    if (this.#next < compactRevision) {
      this.#queue.push({ kind: 'compacted', compactRevision });
      return;
    }
    const page = this.#source.readHistory(this.#next, CATCH_UP_PAGE_EVENTS);
    // State moves before any callback runs, so a write made from inside a callback is either in
    // this page or published live afterwards: never both, never neither.
    this.#next = page.throughRevision + 1;
    this.#live = page.throughRevision >= this.#source.currentRevision();
    for (const rev of page.revisions) this.#queueRevision(rev);
  }

  #queueRevision(rev: RevisionEvents): void {
    const mine = rev.events.filter((e) => this.#matches(e));
    if (mine.length > 0) this.#queue.push({ kind: 'events', revision: rev.revision, events: mine });
  }
}
