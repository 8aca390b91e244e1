import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { GatehouseError } from '../../core/errors.js';
import { migrate, SCHEMA_VERSION } from './schema.js';

/** How long a second opener waits for the lock before giving up (a restarting owner may be exiting). */
const LOCK_WAIT_MS = 200;

/**
 * Opens (creating if needed) the SQLite file of an embedded store, durable and exclusive.
 *
 * Exclusivity uses SQLite's own lock rather than a pid file: `locking_mode = EXCLUSIVE` is set
 * before the first access, and an immediate transaction then takes the write lock, which that
 * mode keeps until the connection closes. A second opener (another process, or another
 * connection in this one: SQLite tracks locks per inode inside a process) gets SQLITE_BUSY. The
 * OS drops the lock when the owner dies, even by SIGKILL, so there is no stale lock to clean up;
 * and in this mode the WAL index lives in heap memory, so no -shm file is shared at all.
 *
 * `synchronous = FULL` in WAL mode syncs the WAL on every commit: an acknowledged write survives
 * a kill -9 or a power cut.
 */
export function openDatabase(file: string): Db {
  const path = resolve(file);
  let db: Db | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: LOCK_WAIT_MS });
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('BEGIN IMMEDIATE; COMMIT;');
    checkIntegrity(db, path);
    const found = migrate(db);
    if (found > SCHEMA_VERSION) {
      throw new GatehouseError(
        'GH_ERR_STORE_UNAVAILABLE',
        `embedded store ${path} has schema version ${found}, newer than this Gatehouse ` +
          `understands (${SCHEMA_VERSION})`,
      );
    }
    return db;
  } catch (err) {
    db?.close();
    throw openError(err, path);
  }
}

function checkIntegrity(db: Db, path: string): void {
  const result = db.pragma('quick_check(1)', { simple: true });
  if (result !== 'ok') {
    throw new GatehouseError(
      'GH_ERR_STORE_UNAVAILABLE',
      `embedded store ${path} is corrupt (quick_check: ${String(result)})`,
    );
  }
}

function openError(err: unknown, path: string): GatehouseError {
  if (err instanceof GatehouseError) return err;
  const code = sqliteCode(err);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new GatehouseError(
      'GH_ERR_STORE_LOCKED',
      `embedded store ${path} is in use by another Gatehouse process (or another open store)`,
      { cause: err },
    );
  }
  const reason =
    code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT'
      ? 'is not a valid SQLite database (corrupt, or some other file)'
      : `cannot be opened: ${err instanceof Error ? err.message : String(err)}`;
  return new GatehouseError('GH_ERR_STORE_UNAVAILABLE', `embedded store ${path} ${reason}`, {
    cause: err,
  });
}

/** The SQLite result code of a better-sqlite3 error (e.g. 'SQLITE_BUSY'), if it is one. */
export function sqliteCode(err: unknown): string | undefined {
  if (err instanceof Database.SqliteError) return err.code;
  return undefined;
}
