import type { Database } from 'better-sqlite3';

/**
 * The embedded store's tables, versioned with `PRAGMA user_version`. A migration is appended,
 * never edited: migration N brings a file from user_version N-1 to N.
 *
 * - kv: the current value of every key. Keys are BLOBs so SQLite orders them with memcmp, which
 *   is etcd's byte order, and prefix ranges work on bytes (see keys.ts).
 * - events: the bounded history watches replay from; one row per changed key, several rows share
 *   a revision when one write changed several keys (deletePrefix). Ids grow with revisions: a
 *   row gets max(id) + 1, and compaction drops only the oldest rows, never the newest revision's.
 * - state: the one row holding the compaction point and a floor of the global revision. Since
 *   version 2 the revision is the newest event's (every write adds at least one event), and
 *   state.revision is only written by compaction: a commit then writes two pages (kv, events)
 *   instead of four (and the history is read by id ranges, without an index on revision).
 * - leases: TTLs; a key names its lease, and expiry deletes the keys that still name it.
 * STRICT tables make SQLite enforce the column types, so rows can be trusted when read back.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE kv (
     key BLOB PRIMARY KEY,
     value TEXT NOT NULL,
     create_revision INTEGER NOT NULL,
     mod_revision INTEGER NOT NULL,
     lease INTEGER NOT NULL DEFAULT 0
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX kv_by_lease ON kv (lease) WHERE lease != 0;
   CREATE TABLE events (
     id INTEGER PRIMARY KEY,
     revision INTEGER NOT NULL,
     type TEXT NOT NULL CHECK (type IN ('put', 'delete')),
     key BLOB NOT NULL,
     value TEXT,
     create_revision INTEGER NOT NULL,
     lease INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX events_by_revision ON events (revision);
   CREATE TABLE state (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     revision INTEGER NOT NULL,
     compact_revision INTEGER NOT NULL
   ) STRICT;
   INSERT INTO state (id, revision, compact_revision) VALUES (1, 1, 0);
   CREATE TABLE leases (
     id INTEGER PRIMARY KEY,
     ttl_seconds INTEGER NOT NULL,
     expires_at_ms INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX leases_by_expiry ON leases (expires_at_ms);`,
  // 2: the revision comes from the events (state.revision is a floor), ids order the history.
  `DROP INDEX events_by_revision;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the file up to SCHEMA_VERSION. Returns the version found, so the caller can refuse a
 * file written by a newer Gatehouse (its version is above SCHEMA_VERSION).
 */
export function migrate(db: Database): number {
  const found = db.pragma('user_version', { simple: true });
  const version = typeof found === 'number' ? found : 0;
  if (version >= SCHEMA_VERSION) return version;
  db.transaction(() => {
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] ?? '');
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
  return version;
}
