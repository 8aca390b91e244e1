import type { IKeyValue } from 'etcd3';
import { prefixEnd } from '../keys.js';
import type { KeyValue } from '../types.js';

/**
 * etcd's wire types to the store's. etcd sends every int64 as a decimal string; revisions stay
 * far below 2^53, so Number() is exact.
 */
export function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value.toString('utf8'),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    lease: Number(kv.lease ?? 0),
  };
}

/** The `key`/`range_end` pair that selects every key starting with `prefix`. */
export function prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
  // etcd wants a non-empty key; a key and range_end of one zero byte each mean "every key".
  const key = prefix === '' ? Buffer.from([0]) : Buffer.from(prefix, 'utf8');
  return { key, range_end: prefixEnd(key) ?? Buffer.from([0]) };
}

export function revisionOf(header: { revision: string }): number {
  return Number(header.revision);
}
