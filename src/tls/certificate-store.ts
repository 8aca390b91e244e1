import type { Logger } from '../core/logger.js';
import { SniTable } from './sni-table.js';
import { SslEntry, type SslItem, type TlsDefaults } from './ssl-entry.js';

export interface CertificateStoreOptions {
  readonly defaults: TlsDefaults;
  /** `apisix.ssl.fallback_sni`: the name looked up when a client sends no SNI. */
  readonly fallbackSni: string | undefined;
  /** Makes a stored private key PEM again (keys are encrypted at rest, spec §1.6). */
  readonly decryptKey: (stored: string) => string;
  readonly logger: Logger;
}

/**
 * The server certificates a worker offers, by SNI (spec §6), kept current from the `ssls`
 * directory one object at a time: the snapshot calls `reset` with every item once, then
 * `changed` for each put or delete, and the next handshake sees the change. An object with
 * `type: client` or `status: 0` is left out; its names stop matching as soon as it changes to it.
 *
 * @example
 *   const store = new CertificateStore({ defaults, fallbackSni: undefined, decryptKey, logger });
 *   store.reset(state.items('ssls'));
 *   store.select('www.test.com')?.context();
 */
export class CertificateStore {
  readonly #opts: CertificateStoreOptions;
  #table = new SniTable<SslEntry>();
  /** Ids of the serving SSL objects with `client` (mTLS). */
  readonly #withClient = new Set<string>();

  constructor(opts: CertificateStoreOptions) {
    this.#opts = opts;
  }

  reset(items: readonly SslItem[]): void {
    this.#table = new SniTable<SslEntry>();
    this.#withClient.clear();
    for (const item of items) this.changed(item.id, item);
  }

  /** One SSL object was put (`item`) or deleted (undefined). */
  changed(id: string, item: SslItem | undefined): void {
    if (item === undefined || !SslEntry.serves(item.value)) {
      this.#table.delete(id);
      this.#withClient.delete(id);
      return;
    }
    const entry = new SslEntry(item, this.#opts.defaults, this.#opts.decryptKey);
    this.#table.set(id, entry.names, entry);
    if (entry.client === undefined) this.#withClient.delete(id);
    else this.#withClient.add(id);
  }

  /**
   * The SSL object for a ClientHello: by its server name, else by `fallback_sni`; undefined
   * when neither gives one (the handshake is then refused, as APISIX does).
   */
  select(serverName: string | undefined): SslEntry | undefined {
    const name = serverName ?? this.#opts.fallbackSni;
    if (name === undefined) {
      this.#opts.logger.debug('TLS handshake without SNI and no fallback_sni: refused');
      return undefined;
    }
    const entry = this.#table.match(name);
    if (entry === undefined) {
      this.#opts.logger.warn({ sni: name }, 'failed to find any SSL certificate by SNI');
    }
    return entry;
  }

  /** Whether some serving SSL object verifies client certificates (has `client`). */
  get verifiesClients(): boolean {
    return this.#withClient.size > 0;
  }

  /**
   * The SSL object a request's Host selects, if it verifies clients (spec §6: such a Host must
   * equal the connection's SNI); undefined otherwise.
   */
  forHostWithClient(host: string): SslEntry | undefined {
    if (this.#withClient.size === 0) return undefined;
    const entry = this.#table.match(host);
    return entry?.client === undefined ? undefined : entry;
  }

  /** How many SSL objects serve handshakes. */
  get size(): number {
    return this.#table.size;
  }
}
