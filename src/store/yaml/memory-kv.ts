import type { HistorySource, RevisionEvents } from '../history.js';
import { compareKeys } from '../keys.js';
import type { KeyValue, RangeResult, WatchEvent } from '../types.js';

/**
 * An in-memory key space with etcd revisions and a bounded history, fed whole snapshots: apply()
 * diffs a snapshot against the current content and records only what changed, as one revision.
 */
export class MemoryKv implements HistorySource {
  readonly #historyLimit: number;
  readonly #kvs = new Map<string, KeyValue>();
  #sortedKeys: string[] = [];
  #revision = 1; // like etcd, an empty store is at revision 1
  #compactRevision = 0;
  #history: RevisionEvents[] = [];
  #historyEvents = 0;

  constructor(historyLimit: number) {
    this.#historyLimit = historyLimit;
  }

  currentRevision(): number {
    return this.#revision;
  }

  compactRevision(): number {
    return this.#compactRevision;
  }

  get(key: string): KeyValue | undefined {
    return this.#kvs.get(key);
  }

  range(prefix: string): RangeResult {
    const items: KeyValue[] = [];
    for (const key of this.#sortedKeys) {
      const kv = this.#kvs.get(key);
      if (kv && key.startsWith(prefix)) items.push(kv);
    }
    return { items, revision: this.#revision };
  }

  /** Makes the content equal `snapshot`; returns the new revision's events, if anything changed. */
  apply(snapshot: ReadonlyMap<string, string>): RevisionEvents | undefined {
    const revision = this.#revision + 1;
    const events: WatchEvent[] = [];
    const keys = new Set([...this.#kvs.keys(), ...snapshot.keys()]);
    for (const key of [...keys].sort(compareKeys)) {
      const before = this.#kvs.get(key);
      const value = snapshot.get(key);
      if (value === undefined) {
        this.#kvs.delete(key);
        events.push({ type: 'delete', key, modRevision: revision });
      } else if (before?.value !== value) {
        const kv = {
          key,
          value,
          createRevision: before?.createRevision ?? revision,
          modRevision: revision,
          lease: 0,
        };
        this.#kvs.set(key, kv);
        events.push({ type: 'put', kv });
      }
    }
    if (events.length === 0) return undefined;
    this.#revision = revision;
    this.#sortedKeys = [...this.#kvs.keys()].sort(compareKeys);
    this.#history.push({ revision, events });
    this.#historyEvents += events.length;
    this.#trimHistory();
    return { revision, events };
  }

  readHistory(
    fromRevision: number,
    maxEvents: number,
  ): { revisions: RevisionEvents[]; throughRevision: number } {
    const revisions: RevisionEvents[] = [];
    let count = 0;
    for (const rev of this.#history) {
      if (rev.revision < fromRevision) continue;
      if (count >= maxEvents) return { revisions, throughRevision: rev.revision - 1 };
      revisions.push(rev);
      count += rev.events.length;
    }
    return { revisions, throughRevision: this.#revision };
  }

  /** Forgets the revisions before `revision`. */
  compact(revision: number): void {
    if (revision <= this.#compactRevision) return;
    this.#compactRevision = revision;
    while (this.#history[0] && this.#history[0].revision < revision) {
      this.#historyEvents -= this.#history.shift()?.events.length ?? 0;
    }
  }

  #trimHistory(): void {
    while (this.#historyEvents > this.#historyLimit && this.#history.length > 0) {
      const oldest = this.#history[0];
      if (oldest) this.compact(oldest.revision + 1);
    }
  }
}
