import { isDeepStrictEqual } from 'node:util';
import { crc32 } from '../balancer/crc32.js';
import type { Logger } from '../core/logger.js';
import type { Closeable, UpstreamFactory, UpstreamSource } from './types.js';

/** A built upstream runtime, or why it could not be built (e.g. an unknown balancer type). */
export type UpstreamSlot<U> =
  | { readonly runtime: U; readonly error?: undefined }
  | { readonly runtime?: undefined; readonly error: string };

/** The suffix of an inline upstream's runtime key: `/apisix/routes/1#upstream`. */
export const INLINE_SUFFIX = '#upstream';

/** One built runtime and how many owners (upstream items, routes, services) use it. */
type Shared<U> = UpstreamSlot<U> & {
  /**
   * The conf it was built from (an owner's loaded object, so holding it costs nothing). Inline
   * confs are compared (an owner's new one with its old one structurally, others as JSON), and
   * only when an owner's version changes.
   */
  readonly conf: Readonly<Record<string, unknown>>;
  /** Inline runtimes: the hash of the conf's JSON, their place in `#inline`. */
  readonly hash: number | undefined;
  owners: number;
};

interface Entry<U> {
  readonly version: number;
  readonly shared: Shared<U>;
}

/**
 * The upstream runtimes of the data plane: one per upstream item version, and one per distinct
 * inline upstream conf whose balancing keeps no state between picks (see `sharable`), however
 * many routes and services carry that conf: 100k routes to the same backend hold one runtime and
 * one set of connection pools. Other inline upstreams get a runtime per owner, as APISIX keeps a
 * picker per route. A runtime is built when its first owner appears, reused while one lives, and
 * closed (its connection pools drained) when the last one goes or changes away.
 */
export class UpstreamSlots<U extends Closeable> {
  readonly #factory: UpstreamFactory<U>;
  readonly #logger: Logger;
  /** By upstream item key, or by the key of the route or service that carries the upstream. */
  readonly #entries = new Map<string, Entry<U>>();
  /** Inline runtimes by the hash of their conf's JSON (a list only when hashes collide). */
  readonly #inline = new Map<number, Shared<U> | Shared<U>[]>();

  constructor(factory: UpstreamFactory<U>, logger: Logger) {
    this.#factory = factory;
    this.#logger = logger;
  }

  get(key: string): UpstreamSlot<U> | undefined {
    return this.#entries.get(key)?.shared;
  }

  /** The slot of an upstream item version: the existing one, or a new one replacing it. */
  ensure(source: UpstreamSource): UpstreamSlot<U> {
    const old = this.#entries.get(source.key);
    if (old !== undefined && old.version === source.version) return old.shared;
    const shared: Shared<U> = {
      ...this.#build(source),
      conf: source.conf,
      hash: undefined,
      owners: 1,
    };
    return this.#set(source.key, source.version, shared, old);
  }

  /**
   * The slot of the inline upstream `conf` of the route or service `owner` (its key) at
   * `version`: unchanged while the owner's version is, else the runtime of an identical conf
   * (this owner's own after an unrelated edit, or, when sharable, another owner's), else a new
   * one.
   */
  ensureInline(
    owner: string,
    version: number,
    conf: Readonly<Record<string, unknown>>,
  ): UpstreamSlot<U> {
    const old = this.#entries.get(owner);
    if (old !== undefined && old.version === version) return old.shared;
    if (old !== undefined && isDeepStrictEqual(old.shared.conf, conf)) {
      old.shared.owners++;
      return this.#set(owner, version, old.shared, old);
    }
    const source = { key: owner + INLINE_SUFFIX, version, id: undefined, conf };
    if (!sharable(conf)) {
      const own: Shared<U> = { ...this.#build(source), conf, hash: undefined, owners: 1 };
      return this.#set(owner, version, own, old);
    }
    const json = JSON.stringify(conf);
    const hash = crc32(json);
    const found = this.#findInline(hash, json);
    if (found !== undefined) {
      found.owners++;
      return this.#set(owner, version, found, old);
    }
    const shared: Shared<U> = { ...this.#build(source), conf, hash, owners: 1 };
    const bucket = this.#inline.get(hash);
    this.#inline.set(hash, bucket === undefined ? shared : [...asList(bucket), shared]);
    return this.#set(owner, version, shared, old);
  }

  /** The owner (an upstream item, route or service key) no longer uses its slot. */
  release(key: string): void {
    const old = this.#entries.get(key);
    if (old === undefined) return;
    this.#entries.delete(key);
    this.#drop(key, old.shared);
  }

  /** Releases every owner whose key is not in `live` (after a full reset). */
  retainOnly(live: ReadonlySet<string>): void {
    for (const key of [...this.#entries.keys()]) if (!live.has(key)) this.release(key);
  }

  #set(key: string, version: number, shared: Shared<U>, old: Entry<U> | undefined): Shared<U> {
    this.#entries.set(key, { version, shared });
    if (old !== undefined) this.#drop(key, old.shared);
    return shared;
  }

  #findInline(hash: number, json: string): Shared<U> | undefined {
    const bucket = this.#inline.get(hash);
    if (bucket === undefined) return undefined;
    return asList(bucket).find((s) => JSON.stringify(s.conf) === json);
  }

  #drop(key: string, shared: Shared<U>): void {
    if (--shared.owners > 0) return;
    if (shared.hash !== undefined) {
      const rest = asList(this.#inline.get(shared.hash) ?? []).filter((s) => s !== shared);
      if (rest.length === 0) this.#inline.delete(shared.hash);
      else this.#inline.set(shared.hash, rest.length === 1 ? rest[0]! : rest);
    }
    try {
      shared.runtime?.close();
    } catch (err) {
      this.#logger.warn({ key, err }, 'closing an upstream failed');
    }
  }

  #build(source: UpstreamSource): UpstreamSlot<U> {
    try {
      return { runtime: this.#factory(source) };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.#logger.error({ key: source.key, err: error }, 'upstream cannot be used');
      return { error };
    }
  }
}

/**
 * Whether owners of identical inline confs may share one runtime without sharing balancing
 * decisions (APISIX keeps a picker per route): one node (always the one picked), `chash` (a
 * function of the request) and `ewma` (whose latencies APISIX keeps per node for the whole
 * worker anyway). A round-robin position or least_conn counts over several nodes stay per owner.
 */
function sharable(conf: Readonly<Record<string, unknown>>): boolean {
  if (conf.type === 'chash' || conf.type === 'ewma') return true;
  const nodes = conf.nodes;
  const count = Array.isArray(nodes)
    ? nodes.length
    : nodes !== null && typeof nodes === 'object'
      ? Object.keys(nodes).length
      : 0;
  return count === 1;
}

function asList<T>(bucket: T | T[]): T[] {
  return Array.isArray(bucket) ? bucket : [bucket];
}
