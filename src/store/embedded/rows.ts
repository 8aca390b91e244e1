import type { KeyValue, WatchEvent } from '../types.js';

/** A row of `kv` as better-sqlite3 returns it (STRICT tables guarantee the column types). */
export interface KvRow {
  key: Buffer;
  value: string;
  create_revision: number;
  mod_revision: number;
  lease: number;
}

/** A row of `events`. */
export interface EventRow {
  id: number;
  revision: number;
  type: 'put' | 'delete';
  key: Buffer;
  value: string | null;
  create_revision: number;
  lease: number;
}

export function toKeyValue(row: KvRow): KeyValue {
  return {
    key: row.key.toString('utf8'),
    value: row.value,
    createRevision: row.create_revision,
    modRevision: row.mod_revision,
    lease: row.lease,
  };
}

export function toWatchEvent(row: EventRow): WatchEvent {
  const key = row.key.toString('utf8');
  if (row.type === 'delete') return { type: 'delete', key, modRevision: row.revision };
  return {
    type: 'put',
    kv: {
      key,
      value: row.value ?? '',
      createRevision: row.create_revision,
      modRevision: row.revision,
      lease: row.lease,
    },
  };
}
