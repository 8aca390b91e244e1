/**
 * Keys, values and change events with etcd v3 semantics: the vocabulary shared by the config
 * stores (src/store), the primary's feed and the workers' state (src/snapshot), kept in core so
 * that the data plane depends on no store.
 */

export interface KeyValue {
  key: string;
  /** The raw stored value (JSON text for resources; APISIX's `init_dir` placeholders are not JSON). */
  value: string;
  /** Revision of the write that created the key (etcd `create_revision`, APISIX `createdIndex`). */
  createRevision: number;
  /** Revision of the last write to the key (etcd `mod_revision`, APISIX `modifiedIndex`). */
  modRevision: number;
  /** Lease id the key is attached to, 0 when none. */
  lease: number;
}

export type WatchEvent =
  | { type: 'put'; kv: KeyValue }
  | { type: 'delete'; key: string; /** revision of the delete */ modRevision: number };
