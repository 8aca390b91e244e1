import type { Database } from 'better-sqlite3';
import { GatehouseError } from '../../core/errors.js';
import type { HistorySource, RevisionEvents } from '../history.js';
import { prefixEnd } from '../keys.js';
import type { KeyValue, PutOptions, RangeResult, WatchEvent } from '../types.js';
import { toKeyValue, toWatchEvent, type EventRow } from './rows.js';
import { prepareStatements, type Statements } from './statements.js';

/** What one committed write changed: its revision and the events watches get. */
export interface Commit {
  revision: number;
  events: WatchEvent[];
}

/**
 * The embedded store's data, synchronously: every method is one SQLite transaction (writes) or
 * one statement (reads), so a read always sees one revision. Each write updates the kv row, the
 * global revision and the event history together, or none of them.
 */
export class KvTables implements HistorySource {
  readonly #db: Database;
  readonly #sql: Statements;
  /**
   * One immediate transaction, built once: `db.transaction()` wraps its function in four fresh
   * closures each time it is called, which a write per call would pay for nothing.
   */
  readonly #transaction: <T>(change: (revision: number) => T, revision: number) => T;
  /** The global revision and compaction point, and the events count, as last committed. */
  #revision: number;
  #compactRevision: number;
  #historyCount: number;

  constructor(db: Database) {
    this.#db = db;
    this.#sql = prepareStatements(db);
    // The revision is not written per commit: it is the newest event's (see schema.ts).
    const tx = db.transaction((change: (revision: number) => unknown, revision: number) =>
      change(revision),
    );
    this.#transaction = <T>(change: (revision: number) => T, revision: number): T =>
      tx.immediate(change, revision) as T;
    const state = this.#sql.state.get();
    if (!state) {
      throw new GatehouseError('GH_ERR_STORE_UNAVAILABLE', `${db.name} has no state row`);
    }
    this.#revision = Math.max(state.revision, this.#sql.lastEvent.get()?.revision ?? 0);
    this.#compactRevision = state.compact_revision;
    this.#historyCount = this.#sql.countEvents.get()?.n ?? 0;
  }

  currentRevision(): number {
    return this.#revision;
  }

  compactRevision(): number {
    return this.#compactRevision;
  }

  get historyCount(): number {
    return this.#historyCount;
  }

  get(key: string): KeyValue | undefined {
    const row = this.#sql.getKv.get(Buffer.from(key, 'utf8'));
    return row && toKeyValue(row);
  }

  range(prefix: string): RangeResult {
    const start = Buffer.from(prefix, 'utf8');
    const end = prefixEnd(start);
    const rows = end ? this.#sql.rangeBounded.all(start, end) : this.#sql.rangeFrom.all(start);
    return { items: rows.map(toKeyValue), revision: this.#revision };
  }

  /**
   * A put of the value `valueOf` computes from the key's current one; `prev` is the value it
   * replaced. Throws GH_ERR_STORE_CONFLICT on a failed compare.
   */
  put(
    key: string,
    valueOf: (prev: KeyValue | undefined) => string,
    opts: PutOptions,
    nowMs: number,
  ): Commit & { prev?: KeyValue } {
    return this.#write((revision) => {
      const keyBuf = Buffer.from(key, 'utf8');
      const prevRow = this.#sql.getKv.get(keyBuf);
      checkCompare(key, prevRow?.mod_revision ?? 0, opts.ifModRevision);
      const prev = prevRow && toKeyValue(prevRow);
      const value = valueOf(prev);
      const lease = opts.leaseTtlSeconds === undefined ? 0 : this.#grantLease(opts, nowMs);
      const createRevision = prevRow?.create_revision ?? revision;
      this.#sql.upsertKv.run(keyBuf, value, createRevision, revision, lease);
      this.#sql.appendEvent.run(revision, 'put', keyBuf, value, createRevision, lease);
      const kv = { key, value, createRevision, modRevision: revision, lease };
      const events: WatchEvent[] = [{ type: 'put', kv }];
      return prev ? { events, prev } : { events };
    });
  }

  /** Deletes one key; a missing key changes nothing (no revision). */
  delete(key: string, ifModRevision: number | undefined): Commit & { deleted: boolean } {
    const keyBuf = Buffer.from(key, 'utf8');
    const prevRow = this.#sql.getKv.get(keyBuf);
    checkCompare(key, prevRow?.mod_revision ?? 0, ifModRevision);
    if (!prevRow) return { revision: this.#revision, events: [], deleted: false };
    const commit = this.#write((revision) => ({ events: [this.#deleteRow(keyBuf, revision)] }));
    return { ...commit, deleted: true };
  }

  /** Deletes every key under `prefix` in one revision. */
  deletePrefix(prefix: string): Commit & { count: number } {
    const rows = this.range(prefix).items;
    if (rows.length === 0) return { revision: this.#revision, events: [], count: 0 };
    const commit = this.#write((revision) => ({
      events: rows.map((kv) => this.#deleteRow(Buffer.from(kv.key, 'utf8'), revision)),
    }));
    return { ...commit, count: rows.length };
  }

  readHistory(
    fromRevision: number,
    maxEvents: number,
  ): { revisions: RevisionEvents[]; throughRevision: number } {
    const first = this.#firstEventId(fromRevision);
    const rows = first === undefined ? [] : this.#sql.eventsFrom.all(first, maxEvents);
    const last = rows[rows.length - 1];
    if (rows.length < maxEvents || !last) {
      return { revisions: groupByRevision(rows), throughRevision: this.#revision };
    }
    // The page may have cut the last revision short: finish it, so a batch is never partial.
    const next = this.#firstEventId(last.revision + 1) ?? Number.MAX_SAFE_INTEGER;
    rows.push(...this.#sql.eventsBetween.all(last.id, next));
    return { revisions: groupByRevision(rows), throughRevision: last.revision };
  }

  /** Forgets the events of revisions before `revision` (no-op if already compacted past it). */
  compact(revision: number): void {
    if (revision <= this.#compactRevision) return;
    const keepFrom = this.#firstEventId(revision) ?? Number.MAX_SAFE_INTEGER;
    const dropped = this.#db
      .transaction(() => {
        const { changes } = this.#sql.dropEventsBefore.run(keepFrom);
        // The revision floor moves too, in case no event is left to carry the revision.
        this.#sql.setState.run(this.#revision, revision);
        return changes;
      })
      .immediate();
    this.#compactRevision = revision;
    this.#historyCount -= dropped;
  }

  /** Compacts whole revisions away until at most `keep` events remain. */
  compactToKeep(keep: number): void {
    const drop = this.#sql.revisionToDropForLimit.get(keep);
    if (drop) this.compact(drop.revision + 1);
  }

  /** Deletes the keys of every lease expired at `nowMs`, each key in its own revision. */
  expireLeases(nowMs: number): Commit[] {
    const commits: Commit[] = [];
    for (const { id } of this.#sql.expiredLeases.all(nowMs)) {
      for (const { key } of this.#sql.keysOfLease.all(id)) {
        commits.push(this.#write((revision) => ({ events: [this.#deleteRow(key, revision)] })));
      }
      this.#sql.deleteLease.run(id);
    }
    return commits;
  }

  /** When the next lease expires (ms since the epoch), if any. */
  nextLeaseExpiry(): number | undefined {
    return this.#sql.nextLeaseExpiry.get()?.at ?? undefined;
  }

  /** Runs `change` at the next revision in one transaction; the caches move only on commit. */
  #write<T extends { events: WatchEvent[] }>(change: (revision: number) => T): T & Commit {
    const revision = this.#revision + 1;
    const result = this.#transaction(change, revision);
    this.#revision = revision;
    this.#historyCount += result.events.length;
    return { ...result, revision };
  }

  /**
   * The id of the first event at or after `revision`, if any. Ids grow with revisions, so this
   * bisects the id range with point lookups instead of keeping an index on revision up to date
   * on every commit (ids may have gaps: each probe takes the first event at or after an id).
   */
  #firstEventId(revision: number): number | undefined {
    const range = this.#sql.eventIdRange.get();
    if (range?.first == null || range.last == null) return undefined;
    let low = range.first;
    let high = range.last;
    if ((this.#sql.eventAtOrAfter.get(high)?.revision ?? 0) < revision) return undefined;
    while (low < high) {
      const mid = low + Math.floor((high - low) / 2);
      if ((this.#sql.eventAtOrAfter.get(mid)?.revision ?? 0) >= revision) high = mid;
      else low = mid + 1;
    }
    return this.#sql.eventAtOrAfter.get(low)?.id;
  }

  #deleteRow(keyBuf: Buffer, revision: number): WatchEvent {
    this.#sql.deleteKv.run(keyBuf);
    this.#sql.appendEvent.run(revision, 'delete', keyBuf, null, 0, 0);
    return { type: 'delete', key: keyBuf.toString('utf8'), modRevision: revision };
  }

  #grantLease(opts: PutOptions, nowMs: number): number {
    const ttl = opts.leaseTtlSeconds ?? 0;
    if (!(ttl > 0) || !Number.isFinite(ttl)) {
      throw new GatehouseError(
        'GH_ERR_STORE_UNAVAILABLE',
        `invalid lease TTL ${ttl} (seconds > 0)`,
      );
    }
    const expiresAt = Math.round(nowMs + ttl * 1000);
    return Number(this.#sql.insertLease.run(Math.ceil(ttl), expiresAt).lastInsertRowid);
  }
}

function checkCompare(key: string, actual: number, expected: number | undefined): void {
  if (expected === undefined || actual === expected) return;
  throw new GatehouseError(
    'GH_ERR_STORE_CONFLICT',
    `${key} is at mod revision ${actual}, the write expected ${expected}`,
  );
}

function groupByRevision(rows: EventRow[]): RevisionEvents[] {
  const out: RevisionEvents[] = [];
  for (const row of rows) {
    const last = out[out.length - 1];
    if (last && last.revision === row.revision) last.events.push(toWatchEvent(row));
    else out.push({ revision: row.revision, events: [toWatchEvent(row)] });
  }
  return out;
}
