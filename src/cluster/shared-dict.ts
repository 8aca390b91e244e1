import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SharedDict } from '../plugin/types.js';

/**
 * Node-wide shared state for plugins (APISIX `lua_shared_dict`): one SQLite file in memory-
 * backed /dev/shm that the primary creates and every worker opens. Each operation is one
 * short write transaction, so an increment is exact across all workers of the node and
 * synchronous (no promise on the request path); an increment is one SQL statement,
 * measured here at about 12–20 µs (30 µs with two processes contending). Values are numbers (incr) or JSON (update);
 * each key may expire.
 */

const SCHEMA = `CREATE TABLE IF NOT EXISTS kv (
  k TEXT PRIMARY KEY,
  n REAL,
  j TEXT,
  exp INTEGER NOT NULL
) WITHOUT ROWID`;

/** The shared file of the node whose primary has `pid`. */
export function sharedDictFile(pid: number): string {
  const dir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return path.join(dir, `gatehouse-${pid}.shared.db`);
}

type Db = InstanceType<typeof Database>;

function open(file: string): Db {
  const db = new Database(file);
  // Small pages: each commit appends one page to the WAL (about 11 µs per increment with 512 B
  // pages, 13–14 µs with the default 4 KiB). Only takes effect when the file is created.
  db.pragma('page_size = 512');
  db.pragma('journal_mode = WAL');
  // Memory-backed and rebuilt at every start: durability is not wanted, only atomicity.
  db.pragma('synchronous = OFF');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
}

/** Primary side: creates the file (fresh), sweeps expired keys, removes it at stop. */
export class SharedDictHost {
  readonly file: string;
  readonly #db: Db;
  readonly #timer: NodeJS.Timeout;

  constructor(file: string, sweepMs = 10_000) {
    this.file = file;
    removeFiles(file);
    this.#db = open(file);
    const sweep = this.#db.prepare('DELETE FROM kv WHERE exp <> 0 AND exp <= ?');
    this.#timer = setInterval(() => sweep.run(Date.now()), sweepMs);
    this.#timer.unref();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#db.close();
    removeFiles(this.file);
  }
}

function removeFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
}

/**
 * Worker side: opens the node's file on first use; `dict(name)` namespaces keys per dict.
 *
 * @example
 *   const shared = new SharedDicts(sharedDictFile(process.ppid));
 *   shared.dict('limit-count').incr('route:1:127.0.0.1', 1, 60_000);
 */
export class SharedDicts {
  readonly #file: string;
  readonly #dicts = new Map<string, SharedDict>();
  #ops: Ops | undefined;

  constructor(file: string) {
    this.#file = file;
  }

  dict(name: string): SharedDict {
    let d = this.#dicts.get(name);
    if (d === undefined) {
      d = namespaced(`${name}\u0000`, () => (this.#ops ??= new Ops(open(this.#file))));
      this.#dicts.set(name, d);
    }
    return d;
  }

  close(): void {
    this.#ops?.close();
    this.#ops = undefined;
  }
}

class Ops {
  readonly db: Db;
  readonly getRow;
  readonly put;
  readonly del;
  readonly incrOne;
  readonly updateTx;

  constructor(db: Db) {
    this.db = db;
    this.getRow = db.prepare<[string], { n: number | null; j: string | null; exp: number }>(
      'SELECT n, j, exp FROM kv WHERE k = ?',
    );
    this.put = db.prepare(
      'INSERT INTO kv (k, n, j, exp) VALUES (?, NULL, ?, ?) ' +
        'ON CONFLICT(k) DO UPDATE SET n = NULL, j = excluded.j, exp = excluded.exp',
    );
    this.del = db.prepare('DELETE FROM kv WHERE k = ?');
    // One statement (atomic on its own): a live key is incremented and keeps its expiry, a
    // missing or expired one starts from the delta with a new expiry.
    this.incrOne = db.prepare<
      { k: string; d: number; e: number; now: number },
      { n: number; exp: number }
    >(
      'INSERT INTO kv (k, n, j, exp) VALUES (@k, @d, NULL, @e) ON CONFLICT(k) DO UPDATE SET ' +
        'n = CASE WHEN exp <> 0 AND exp <= @now THEN @d ELSE coalesce(n, 0) + @d END, ' +
        'j = NULL, exp = CASE WHEN exp <> 0 AND exp <= @now THEN @e ELSE exp END ' +
        'RETURNING n, exp',
    );
    this.updateTx = db.transaction(
      (key: string, fn: (old: unknown) => unknown, ttlMs: number | undefined) => {
        const now = Date.now();
        const row = this.getRow.get(key);
        const live = row !== undefined && (row.exp === 0 || row.exp > now);
        const old: unknown = live ? (row.j !== null ? JSON.parse(row.j) : row.n) : undefined;
        const next = fn(old);
        if (next === undefined) this.del.run(key);
        else this.put.run(key, JSON.stringify(next), ttlMs === undefined ? 0 : now + ttlMs);
        return next;
      },
    );
  }

  close(): void {
    this.db.close();
  }
}

function namespaced(prefix: string, ops: () => Ops): SharedDict {
  return {
    incr(key, delta, ttlMs) {
      const now = Date.now();
      const e = ttlMs === undefined ? 0 : now + ttlMs;
      const row = ops().incrOne.get({ k: prefix + key, d: delta, e, now })!;
      return { value: row.n, expiresAt: row.exp };
    },
    get(key) {
      const row = ops().getRow.get(prefix + key);
      if (row === undefined || (row.exp !== 0 && row.exp <= Date.now())) return undefined;
      return row.n ?? undefined;
    },
    update<T>(key: string, fn: (old: T | undefined) => T | undefined, ttlMs?: number) {
      return ops().updateTx.immediate(prefix + key, fn as (old: unknown) => unknown, ttlMs) as
        T | undefined;
    },
    delete(key) {
      ops().del.run(prefix + key);
    },
  };
}
