import type { Logger } from '../core/logger.js';
import type { KeyValue, WatchEvent } from '../core/kv.js';
import { diffItems } from './feed-diff.js';
import type { ConfigStore, Watch, WatchBatch } from './types.js';

/** What the feed hands on: one full state, then ordered deltas with increasing revisions. */
export type FeedUpdate =
  | { kind: 'reset'; revision: number; items: KeyValue[] }
  | { kind: 'events'; revision: number; events: WatchEvent[] };

export interface FeedStatus {
  /** True while the watch is established and nothing is known to be missing. */
  synced: boolean;
  /** The revision of the last update handed on. */
  revision: number;
  /** Since when (ms since the epoch) the feed has been out of touch with the store. */
  staleSince?: number;
  lastError?: string;
  /** How many times the feed re-read the store to heal (compaction, lost watch). */
  resyncs: number;
  /**
   * How many events the feed has handed on since it started (watch events and the events of
   * re-read diffs; a reset counts none). A re-read after compaction adds only what changed.
   */
  events: number;
}

export interface ConfigFeedOptions {
  store: ConfigStore;
  /** The key prefix to follow, e.g. `/apisix` (everything under it, as APISIX's one watch). */
  prefix: string;
  logger: Logger;
  /** First retry delay after a failure; doubles up to retryMaxMs, with ±50% jitter. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/**
 * The one reader of the store on a node: reads the whole prefix once, then follows it with a
 * single watch, and turns every disturbance into ordinary updates. A compacted start revision or a
 * lost watch leads to a re-read whose difference from the known state is handed on as events
 * (never a full rebuild); a store whose revision went backwards (restored) is handed on as a reset.
 *
 * @example
 *   const feed = new ConfigFeed({ store, prefix: '/apisix', logger });
 *   await feed.start((update) => cluster.broadcast(update));
 */
export class ConfigFeed {
  readonly #store: ConfigStore;
  readonly #prefix: string;
  readonly #logger: Logger;
  readonly #retryMinMs: number;
  readonly #retryMaxMs: number;
  readonly #items = new Map<string, KeyValue>();
  #revision = 0;
  #onUpdate: (update: FeedUpdate) => void = () => {};
  #watch: Watch | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #stopped = false;
  #synced = false;
  #staleSince: number | undefined;
  #lastError: string | undefined;
  #resyncs = 0;
  #events = 0;

  constructor(opts: ConfigFeedOptions) {
    this.#store = opts.store;
    this.#prefix = opts.prefix.endsWith('/') ? opts.prefix : `${opts.prefix}/`;
    this.#logger = opts.logger;
    this.#retryMinMs = opts.retryMinMs ?? 100;
    this.#retryMaxMs = opts.retryMaxMs ?? 5000;
  }

  /**
   * Reads the store and hands on the first `reset` before resolving; rejects when the store
   * cannot be read. With `initial` (a last-known-good snapshot) the first reset comes from it at
   * once, start() resolves, and the store is reconciled in the background as soon as it answers.
   */
  async start(
    onUpdate: (update: FeedUpdate) => void,
    initial?: { revision: number; items: readonly KeyValue[] },
  ): Promise<void> {
    this.#onUpdate = onUpdate;
    if (initial !== undefined) {
      this.#replaceAll(initial.items, initial.revision);
      this.#onUpdate({ kind: 'reset', revision: this.#revision, items: [...this.#items.values()] });
      this.#markStale('starting from the last-known-good snapshot');
      this.#resync();
      return;
    }
    const { items, revision } = await this.#store.range(this.#prefix);
    this.#replaceAll(items, revision);
    this.#onUpdate({ kind: 'reset', revision, items: [...items] });
    this.#markSynced();
    this.#watchFrom(revision + 1);
  }

  /** The current state: every key under the prefix. */
  items(): ReadonlyMap<string, KeyValue> {
    return this.#items;
  }

  get revision(): number {
    return this.#revision;
  }

  /**
   * In sync or stale, and since when. A store that reports its health (etcd) is asked too: its
   * client may be retrying a lost connection without the watch ever failing.
   */
  status(): FeedStatus {
    let synced = this.#synced;
    let staleSince = this.#staleSince;
    let lastError = this.#lastError;
    const health = this.#store.health?.();
    if (health !== undefined && !health.connected) {
      synced = false;
      const since = health.since ?? Date.now();
      staleSince = staleSince === undefined ? since : Math.min(staleSince, since);
      lastError = health.error ?? lastError;
    }
    return {
      synced,
      revision: this.#revision,
      ...(staleSince === undefined ? {} : { staleSince }),
      ...(lastError === undefined ? {} : { lastError }),
      resyncs: this.#resyncs,
      events: this.#events,
    };
  }

  stop(): void {
    this.#stopped = true;
    this.#watch?.cancel();
    this.#watch = undefined;
    clearTimeout(this.#retryTimer);
  }

  #watchFrom(revision: number): void {
    this.#watch?.cancel();
    this.#watch = this.#store.watch(this.#prefix, revision, (batch) => this.#onBatch(batch));
  }

  #onBatch(batch: WatchBatch): void {
    if (this.#stopped) return;
    switch (batch.kind) {
      case 'events':
        this.#onEvents(batch.revision, batch.events);
        return;
      case 'compacted':
        this.#logger.warn(
          { compactRevision: batch.compactRevision, revision: this.#revision },
          'watch start revision was compacted; re-reading the store',
        );
        this.#resync();
        return;
      case 'error':
        this.#markStale(batch.error.message);
        this.#logger.warn({ err: batch.error }, 'config watch lost; re-reading the store');
        this.#scheduleResync();
        return;
    }
  }

  #onEvents(revision: number, events: readonly WatchEvent[]): void {
    // A resumed watch may repeat what a re-read already delivered: hand on only what is newer.
    const fresh = events.filter((e) => revisionOf(e) > this.#revision);
    if (fresh.length === 0) return;
    let newest = revision;
    for (const event of fresh) {
      this.#applyLocally(event);
      newest = Math.max(newest, revisionOf(event));
    }
    this.#revision = newest;
    if (!this.#synced) this.#markSynced();
    this.#events += fresh.length;
    this.#onUpdate({ kind: 'events', revision: this.#revision, events: fresh });
  }

  /** Re-reads the store and hands on the difference; retried with back-off while it fails. */
  #resync(): void {
    this.#watch?.cancel();
    this.#watch = undefined;
    this.#resyncs++;
    this.#store.range(this.#prefix).then(
      ({ items, revision }) => {
        if (this.#stopped) return;
        if (revision < this.#revision) {
          // The store went back in time (restored from a backup): only a full reset is right.
          this.#logger.warn({ revision, known: this.#revision }, 'store revision went backwards');
          this.#replaceAll(items, revision);
          this.#onUpdate({ kind: 'reset', revision, items: [...items] });
        } else {
          const events = diffItems(this.#items, items, revision);
          for (const event of events) this.#applyLocally(event);
          this.#revision = revision;
          this.#events += events.length;
          if (events.length > 0) this.#onUpdate({ kind: 'events', revision, events });
        }
        this.#markSynced();
        this.#watchFrom(revision + 1);
      },
      (err: unknown) => {
        if (this.#stopped) return;
        this.#markStale(err instanceof Error ? err.message : String(err));
        this.#scheduleResync();
      },
    );
  }

  #scheduleResync(): void {
    if (this.#stopped) return;
    this.#watch?.cancel();
    this.#watch = undefined;
    const base = Math.min(this.#retryMaxMs, this.#retryMinMs * 2 ** this.#attempt);
    this.#attempt++;
    const delay = base * (0.5 + Math.random());
    clearTimeout(this.#retryTimer);
    // Not unref'd: a feed that is retrying is alive until stop(), like its watch.
    this.#retryTimer = setTimeout(() => this.#resync(), delay);
  }

  #replaceAll(items: readonly KeyValue[], revision: number): void {
    this.#items.clear();
    for (const kv of items) this.#items.set(kv.key, kv);
    this.#revision = revision;
  }

  #applyLocally(event: WatchEvent): void {
    if (event.type === 'put') this.#items.set(event.kv.key, event.kv);
    else this.#items.delete(event.key);
  }

  #markSynced(): void {
    if (this.#staleSince !== undefined) {
      this.#logger.info({ staleMs: Date.now() - this.#staleSince }, 'config store reachable again');
    }
    this.#synced = true;
    this.#staleSince = undefined;
    this.#lastError = undefined;
    this.#attempt = 0;
  }

  #markStale(reason: string): void {
    this.#synced = false;
    this.#staleSince ??= Date.now();
    this.#lastError = reason;
  }
}

function revisionOf(event: WatchEvent): number {
  return event.type === 'put' ? event.kv.modRevision : event.modRevision;
}
