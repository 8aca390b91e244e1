import { Range, type Etcd3, type IEvent, type IWatchResponse, type Watcher } from 'etcd3';
import type { Logger } from '../../core/logger.js';
import type { Watch, WatchBatch, WatchEvent } from '../types.js';
import { prefixRange, revisionOf, toKeyValue } from './codec.js';

export interface EtcdWatchDeps {
  client: Etcd3;
  logger: Logger;
  /** Where etcd's history starts now if `revision` was compacted away, else undefined. */
  compactedAfter(revision: number): Promise<number | undefined>;
  onDone(w: EtcdWatch): void;
  /** The watch stream came up (true) or was lost (false, with etcd3's error). */
  onConnection?(up: boolean, error?: Error): void;
}

/**
 * One watch() of the store, on etcd3's watcher. Every EtcdWatch of a store is created on the
 * same Etcd3 client, whose watch manager multiplexes them on ONE gRPC watch stream (one per
 * node, not one per watch or per worker: apache/apisix#6902).
 *
 * What it adds to etcd3's watcher:
 * - Batches per revision, in order, with no duplicate: `#next` is the first revision not yet
 *   delivered, and anything below it (a replay after a reconnect) is dropped.
 * - No loss across reconnects: etcd3 resumes from the last *header* revision it saw, which on a
 *   created response is the store's current revision, not what was delivered; a reconnect in
 *   the middle of a replay would skip the rest. On every disconnect the watch resets the resume
 *   point to `#next`.
 * - `compacted`: etcd3 reports a compacted start revision only as an error "Watcher canceled",
 *   without etcd's compact_revision, so the watch asks etcd where history starts now.
 */
export class EtcdWatch implements Watch {
  readonly #prefix: string;
  readonly #onBatch: (batch: WatchBatch) => void;
  readonly #deps: EtcdWatchDeps;
  readonly #watcher: Watcher;
  /** The first revision not delivered yet; 0 = live only and not connected yet. */
  #next: number;
  #done = false;

  constructor(
    prefix: string,
    fromRevision: number,
    onBatch: (batch: WatchBatch) => void,
    deps: EtcdWatchDeps,
  ) {
    this.#prefix = prefix;
    this.#onBatch = onBatch;
    this.#deps = deps;
    this.#next = Math.max(0, fromRevision);
    const { key, range_end } = prefixRange(prefix);
    const builder = deps.client.watch().inRange(new Range(key, range_end));
    if (this.#next > 0) builder.startRevision(String(this.#next));
    // watcher() attaches at once; create() would resolve a tick after 'connected', and events
    // emitted in between would find no listener.
    this.#watcher = builder.watcher();
    this.#watcher.on('connected', (res) => this.#connected(res));
    this.#watcher.on('data', (res) => this.#data(res));
    this.#watcher.on('disconnected', (err) => this.#disconnected(err));
    this.#watcher.on('error', (err) => this.#canceledByEtcd(err));
  }

  cancel(): void {
    if (this.#done) return;
    this.#finish();
    this.#detach();
  }

  /**
   * Ends the watch with one `error` batch (store closing). The etcd3 watcher is detached too:
   * a watcher left attached to a closed client makes etcd3 retry its stream forever.
   */
  fail(error: Error): void {
    if (this.#done) return;
    this.#finish();
    this.#detach();
    queueMicrotask(() => this.#deliver({ kind: 'error', error }, true));
  }

  #detach(): void {
    this.#watcher.cancel().catch((err: unknown) => {
      // The stream is going away anyway (closed client or lost connection): nothing to undo.
      this.#deps.logger.debug({ err, prefix: this.#prefix }, 'etcd watch cancel failed');
    });
  }

  #connected(res: IWatchResponse): void {
    if (!this.#done) this.#deps.onConnection?.(true);
    // A live-only watch starts after the revision etcd created it at: resume from there.
    if (this.#next === 0) this.#next = revisionOf(res.header) + 1;
  }

  #data(res: IWatchResponse): void {
    if (this.#done) return;
    const events = res.events ?? [];
    if (events.length === 0) {
      // A progress notification: etcd sends it only to watches that are up to date, so every
      // revision up to the header one is accounted for.
      this.#next = Math.max(this.#next, revisionOf(res.header) + 1);
      return;
    }
    for (const [revision, batch] of byRevision(events)) {
      if (this.#done) return;
      if (revision < this.#next) continue; // already delivered before a reconnect
      this.#next = revision + 1;
      this.#deliver({ kind: 'events', revision, events: batch }, false);
    }
  }

  #disconnected(err: Error): void {
    if (!this.#done) this.#deps.onConnection?.(false, err);
    // etcd3 re-creates the watcher from request.start_revision after its back-off.
    if (this.#next > 0) this.#watcher.request.start_revision = String(this.#next);
  }

  #canceledByEtcd(err: Error): void {
    if (this.#done) return;
    // A live-only watch that never connected asked for no history: no compaction to blame.
    if (this.#next === 0) {
      this.#end({ kind: 'error', error: err });
      return;
    }
    this.#deps.compactedAfter(this.#next).then(
      (compactRevision) => {
        if (compactRevision !== undefined) {
          this.#end({ kind: 'compacted', compactRevision });
        } else {
          this.#end({ kind: 'error', error: err });
        }
      },
      () => this.#end({ kind: 'error', error: err }),
    );
  }

  #end(batch: WatchBatch): void {
    if (this.#done) return;
    this.#finish();
    this.#deliver(batch, true);
  }

  #finish(): void {
    this.#done = true;
    this.#deps.onDone(this);
  }

  #deliver(batch: WatchBatch, final: boolean): void {
    if (this.#done && !final) return;
    try {
      this.#onBatch(batch);
    } catch (err) {
      this.#deps.logger.error({ err, prefix: this.#prefix }, 'watch callback threw');
    }
  }
}

/** A watch on a closed store: one `error` batch, from a fresh tick, unless cancelled first. */
export function failedWatch(onBatch: (batch: WatchBatch) => void, error: Error): Watch {
  let cancelled = false;
  queueMicrotask(() => {
    if (!cancelled) onBatch({ kind: 'error', error });
  });
  return { cancel: () => (cancelled = true) };
}

/** etcd sends a revision's events together and in order; this groups them per revision. */
function byRevision(events: IEvent[]): Map<number, WatchEvent[]> {
  const out = new Map<number, WatchEvent[]>();
  for (const ev of events) {
    const revision = Number(ev.kv.mod_revision);
    // The proto enum arrives by name ('PUT' / 'DELETE'), whatever etcd3's typing says.
    const event: WatchEvent =
      String(ev.type).toUpperCase() === 'DELETE'
        ? { type: 'delete', key: ev.kv.key.toString('utf8'), modRevision: revision }
        : { type: 'put', kv: toKeyValue(ev.kv) };
    const list = out.get(revision);
    if (list) list.push(event);
    else out.set(revision, [event]);
  }
  return out;
}
