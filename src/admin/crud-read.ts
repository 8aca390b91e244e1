import type { CrudCall } from './crud.js';
import { keyNotFound } from './errors.js';
import { applyListQuery } from './list-query.js';
import { listCredentials, listDir, toEntry, type StoredEntry } from './store-view.js';
import type { Reply } from './types.js';

/** GET one: `{key, value, createdIndex, modifiedIndex}` or 404 `{"message":"Key not found"}`. */
export async function readItem(call: CrudCall, id: string): Promise<Reply> {
  const kv = await call.store.get(call.keyOf(id));
  const entry = kv === undefined ? undefined : toEntry(kv, id);
  if (entry === undefined) throw keyNotFound();
  return { status: 200, body: envelope(call, entry) };
}

/**
 * GET a directory: `{list, total}` after the filters and pagination of spec §2.6.
 *
 * An empty directory: APISIX's `init_etcd` writes a placeholder into every top-level
 * directory, so a real APISIX answers `{"list":[],"total":0}` there; the embedded store has no
 * placeholders, and Gatehouse answers the same. Credentials never had a placeholder: listing a
 * consumer's credentials when there are none is 404 `Key not found`, as in APISIX.
 */
export async function readList(call: CrudCall): Promise<Reply> {
  const { target } = call;
  let entries: StoredEntry[];
  if (target.dir === 'credentials') {
    entries = await listCredentials(call.store, call.prefix, target.parent ?? '');
    if (entries.length === 0) throw keyNotFound();
  } else {
    // Secrets are listed across managers, as APISIX does for `/secrets/{manager}` too.
    entries = await listDir(call.store, call.prefix, target.dir);
  }
  const { list, total } = applyListQuery(target.dir, entries, call.req.query);
  return { status: 200, body: { list: list.map((e) => envelope(call, e)), total } };
}

function envelope(call: CrudCall, entry: StoredEntry): Record<string, unknown> {
  return {
    key: entry.key,
    value: call.atRest.forRead(call.kind.dir, entry.value, call.registry),
    createdIndex: entry.createRevision,
    modifiedIndex: entry.modRevision,
  };
}
