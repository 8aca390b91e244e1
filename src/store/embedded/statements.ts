import type { Database } from 'better-sqlite3';
import type { EventRow, KvRow } from './rows.js';

const KV_COLUMNS = 'key, value, create_revision, mod_revision, lease';
const EVENT_COLUMNS = 'id, revision, type, key, value, create_revision, lease';

/** Every SQL statement the embedded store runs, prepared once per open. */
export function prepareStatements(db: Database) {
  return {
    state: db.prepare<[], { revision: number; compact_revision: number }>(
      'SELECT revision, compact_revision FROM state WHERE id = 1',
    ),
    setState: db.prepare<[number, number]>(
      'UPDATE state SET revision = ?, compact_revision = ? WHERE id = 1',
    ),

    getKv: db.prepare<[Buffer], KvRow>(`SELECT ${KV_COLUMNS} FROM kv WHERE key = ?`),
    rangeBounded: db.prepare<[Buffer, Buffer], KvRow>(
      `SELECT ${KV_COLUMNS} FROM kv WHERE key >= ? AND key < ? ORDER BY key`,
    ),
    rangeFrom: db.prepare<[Buffer], KvRow>(
      `SELECT ${KV_COLUMNS} FROM kv WHERE key >= ? ORDER BY key`,
    ),
    upsertKv: db.prepare<[Buffer, string, number, number, number]>(
      `INSERT INTO kv (${KV_COLUMNS}) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value,
         mod_revision = excluded.mod_revision, lease = excluded.lease`,
    ),
    deleteKv: db.prepare<[Buffer]>('DELETE FROM kv WHERE key = ?'),
    keysOfLease: db.prepare<[number], { key: Buffer }>(
      'SELECT key FROM kv WHERE lease = ? ORDER BY key',
    ),

    appendEvent: db.prepare<[number, 'put' | 'delete', Buffer, string | null, number, number]>(
      `INSERT INTO events (revision, type, key, value, create_revision, lease)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    // Event ids grow with revisions (see schema.ts), so history is read and dropped by id ranges.
    lastEvent: db.prepare<[], { revision: number }>(
      'SELECT revision FROM events ORDER BY id DESC LIMIT 1',
    ),
    eventIdRange: db.prepare<[], { first: number | null; last: number | null }>(
      'SELECT min(id) AS first, max(id) AS last FROM events',
    ),
    eventAtOrAfter: db.prepare<[number], { id: number; revision: number }>(
      'SELECT id, revision FROM events WHERE id >= ? ORDER BY id LIMIT 1',
    ),
    eventsFrom: db.prepare<[number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE id >= ? ORDER BY id LIMIT ?`,
    ),
    eventsBetween: db.prepare<[number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE id > ? AND id < ? ORDER BY id`,
    ),
    countEvents: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM events'),
    /** The revision of the newest event that has to go for `?` events to remain. */
    revisionToDropForLimit: db.prepare<[number], { revision: number }>(
      'SELECT revision FROM events ORDER BY id DESC LIMIT 1 OFFSET ?',
    ),
    dropEventsBefore: db.prepare<[number]>('DELETE FROM events WHERE id < ?'),

    insertLease: db.prepare<[number, number]>(
      'INSERT INTO leases (ttl_seconds, expires_at_ms) VALUES (?, ?)',
    ),
    expiredLeases: db.prepare<[number], { id: number }>(
      'SELECT id FROM leases WHERE expires_at_ms <= ? ORDER BY expires_at_ms, id',
    ),
    nextLeaseExpiry: db.prepare<[], { at: number | null }>(
      'SELECT min(expires_at_ms) AS at FROM leases',
    ),
    deleteLease: db.prepare<[number]>('DELETE FROM leases WHERE id = ?'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
