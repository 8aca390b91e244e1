import type { Logger } from '../core/logger.js';
import type { Closeable, UpstreamFactory, UpstreamSource } from './types.js';

/** A built upstream runtime, or why it could not be built (e.g. an unknown balancer type). */
export type UpstreamSlot<U> =
  | { readonly runtime: U; readonly error?: undefined }
  | { readonly runtime?: undefined; readonly error: string };

interface Entry<U> {
  readonly version: number;
  /**
   * The conf it was built from (the loaded value's own object, so holding it costs nothing), so
   * an inline upstream survives an unrelated edit of its owner; compared as JSON only then.
   */
  readonly conf: Readonly<Record<string, unknown>>;
  readonly slot: UpstreamSlot<U>;
}

/**
 * The upstream runtimes of the data plane, one per upstream version: built when the version
 * appears, reused while it lives, closed (its connection pools drained) when it goes away.
 */
export class UpstreamSlots<U extends Closeable> {
  readonly #factory: UpstreamFactory<U>;
  readonly #logger: Logger;
  readonly #entries = new Map<string, Entry<U>>();

  constructor(factory: UpstreamFactory<U>, logger: Logger) {
    this.#factory = factory;
    this.#logger = logger;
  }

  get(key: string): UpstreamSlot<U> | undefined {
    return this.#entries.get(key)?.slot;
  }

  /**
   * The slot of `source`: the existing one when the version (or, for inline upstreams whose
   * owner changed, the conf) is unchanged, else a new one, closing the one it replaces.
   */
  ensure(source: UpstreamSource): UpstreamSlot<U> {
    const old = this.#entries.get(source.key);
    if (old !== undefined && old.version === source.version) return old.slot;
    if (
      old !== undefined &&
      source.id === undefined &&
      JSON.stringify(old.conf) === JSON.stringify(source.conf)
    ) {
      return old.slot;
    }
    const slot = this.#build(source);
    this.#entries.set(source.key, { version: source.version, conf: source.conf, slot });
    if (old !== undefined) this.#close(source.key, old.slot);
    return slot;
  }

  release(key: string): void {
    const old = this.#entries.get(key);
    if (old === undefined) return;
    this.#entries.delete(key);
    this.#close(key, old.slot);
  }

  /** Closes every slot whose key is not in `live` (after a full reset). */
  retainOnly(live: ReadonlySet<string>): void {
    for (const key of [...this.#entries.keys()]) if (!live.has(key)) this.release(key);
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

  #close(key: string, slot: UpstreamSlot<U>): void {
    try {
      slot.runtime?.close();
    } catch (err) {
      this.#logger.warn({ key, err }, 'closing an upstream failed');
    }
  }
}
