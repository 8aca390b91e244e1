import { CompareResult, CompareTarget, type Etcd3, type ICompare, type IPutRequest } from 'etcd3';
import type { DeleteResult, KeyValue, PutOptions, PutResult, RangeResult } from '../types.js';
import { prefixRange, revisionOf, toKeyValue } from './codec.js';
import { etcdConflict } from './errors.js';

/**
 * The store's reads and writes as etcd KV/Lease/Maintenance calls. Compare-and-set is one txn
 * (compare the key's mod or create revision, then put or delete), so a conflict costs one round
 * trip and never half-applies. Errors are thrown as etcd3 raised them; the store maps them.
 */
export class EtcdKv {
  readonly #client: Etcd3;

  constructor(client: Etcd3) {
    this.#client = client;
  }

  async range(prefix: string): Promise<RangeResult> {
    const res = await this.#client.kv.range(prefixRange(prefix)); // sorted by key: etcd's default
    return { items: (res.kvs ?? []).map(toKeyValue), revision: revisionOf(res.header) };
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.#client.kv.range({ key: Buffer.from(key, 'utf8') });
    const kv = res.kvs?.[0];
    return kv ? toKeyValue(kv) : undefined;
  }

  async put(key: string, value: string, opts: PutOptions): Promise<PutResult> {
    const request: IPutRequest = {
      key: Buffer.from(key, 'utf8'),
      value: Buffer.from(value, 'utf8'),
      prev_kv: true,
    };
    if (opts.leaseTtlSeconds !== undefined) {
      // A lease of its own per key, as APISIX's `?ttl=` does: keys never expire together by accident.
      const lease = await this.#client.leaseClient.leaseGrant({ TTL: opts.leaseTtlSeconds });
      request.lease = lease.ID;
    }
    if (opts.ifModRevision === undefined) {
      const res = await this.#client.kv.put(request);
      return withPrev(revisionOf(res.header), res.prev_kv);
    }
    const res = await this.#client.kv.txn({
      compare: [revisionIs(key, opts.ifModRevision)],
      success: [{ request_put: request }],
    });
    if (!res.succeeded) throw etcdConflict(key, opts.ifModRevision);
    return withPrev(revisionOf(res.header), res.responses[0]?.response_put?.prev_kv);
  }

  async delete(key: string, ifModRevision: number | undefined): Promise<DeleteResult> {
    const request = { key: Buffer.from(key, 'utf8') };
    if (ifModRevision === undefined) {
      const res = await this.#client.kv.deleteRange(request);
      return { deleted: Number(res.deleted) > 0, revision: revisionOf(res.header) };
    }
    const res = await this.#client.kv.txn({
      compare: [revisionIs(key, ifModRevision)],
      success: [{ request_delete_range: request }],
    });
    if (!res.succeeded) throw etcdConflict(key, ifModRevision);
    const deleted = Number(res.responses[0]?.response_delete_range?.deleted ?? 0);
    return { deleted: deleted > 0, revision: revisionOf(res.header) };
  }

  async deletePrefix(prefix: string): Promise<DeleteResult & { count: number }> {
    const res = await this.#client.kv.deleteRange(prefixRange(prefix));
    const count = Number(res.deleted);
    return { deleted: count > 0, revision: revisionOf(res.header), count };
  }

  async compact(revision: number): Promise<void> {
    // physical: return once the history is really gone, so a watch opened next is refused.
    await this.#client.kv.compact({ revision, physical: true });
  }

  async revision(): Promise<number> {
    // Any read carries the store revision in its header; a count of one key is the cheapest.
    const res = await this.#client.kv.range({ key: Buffer.from([0]), count_only: true });
    return revisionOf(res.header);
  }

  /**
   * Where history starts now, if `revision` is before it; undefined when `revision` is still
   * readable. etcd3 drops the `compact_revision` of a cancelled watch and its protos have no
   * HashKV, so this finds it by bisection: a read at a compacted revision fails, one at the
   * compact revision itself succeeds. About log2(current - revision) reads, on a rare path.
   */
  async compactedAfter(revision: number): Promise<number | undefined> {
    if (await this.#readableAt(revision)) return undefined;
    let lo = revision + 1;
    let hi = await this.revision();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await this.#readableAt(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  async #readableAt(revision: number): Promise<boolean> {
    try {
      await this.#client.kv.range({ key: Buffer.from([0]), revision, count_only: true });
      return true;
    } catch (err) {
      if (err instanceof Error && /compacted/.test(err.message)) return false;
      throw err;
    }
  }
}

/** Compare for `ifModRevision`: 0 means "the key does not exist" (its create revision is 0). */
function revisionIs(key: string, revision: number): ICompare {
  const k = Buffer.from(key, 'utf8');
  return revision === 0
    ? { key: k, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }
    : { key: k, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: revision };
}

function withPrev(revision: number, prev: Parameters<typeof toKeyValue>[0] | null | undefined) {
  // protobuf leaves an absent message field as null; an absent key has no prev.
  return prev?.key ? { revision, prev: toKeyValue(prev) } : { revision };
}
