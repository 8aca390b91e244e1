import { constants } from 'node:crypto';
import { createSecureContext, DEFAULT_CIPHERS, type SecureContext } from 'node:tls';
import { GatehouseError } from '../core/errors.js';
import { toJsRegExp } from '../core/expr/pcre.js';
import { isSecretRef, resolveSecretRefs } from '../core/secret-ref.js';

/** An `ssls` item as the data plane holds it (snapshot's LoadedItem has this shape). */
export interface SslItem {
  readonly id: string;
  readonly modRevision: number;
  readonly value: Readonly<Record<string, unknown>>;
}

export type TlsProtocol = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
const PROTOCOLS: readonly TlsProtocol[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
/** OpenSSL options that switch off one version inside a [min, max] range. */
const NO_VERSION: Readonly<Record<TlsProtocol, number>> = {
  TLSv1: constants.SSL_OP_NO_TLSv1,
  'TLSv1.1': constants.SSL_OP_NO_TLSv1_1,
  'TLSv1.2': constants.SSL_OP_NO_TLSv1_2,
  'TLSv1.3': constants.SSL_OP_NO_TLSv1_3,
};

/** What `apisix.ssl` says for every SSL object: protocols, ciphers, session tickets. */
export interface TlsDefaults {
  /** `apisix.ssl.ssl_protocols`; an SSL object's own `ssl_protocols` replaces it. */
  readonly protocols: readonly TlsProtocol[];
  /** `apisix.ssl.ssl_ciphers` (OpenSSL cipher list), or node's default. */
  readonly ciphers: string | undefined;
  readonly sessionTickets: boolean;
}

/** `"TLSv1.2 TLSv1.3"` (config.yaml's form) as a list of the versions node knows. */
export function parseProtocols(list: string): TlsProtocol[] {
  const words = new Set(list.split(/\s+/));
  return PROTOCOLS.filter((p) => words.has(p));
}

/** `client` of an SSL object: the CA that client certificates must chain to (spec §6 mTLS). */
export interface ClientVerification {
  readonly ca: string;
  readonly depth: number;
  /** `skip_mtls_uri_regex`: the handshake takes any client, the request checks (spec §6). */
  readonly skipUris: readonly RegExp[];
}

/**
 * One version of one server SSL object (spec §3.6, §6): its names, and the SecureContext of its
 * certificate/key pairs built on the first handshake that needs it, then kept until the object
 * changes. A context that cannot be built (bad PEM, a key that does not decrypt) is remembered
 * as its error, so a handshake for it fails at once instead of retrying the build.
 */
export class SslEntry {
  readonly id: string;
  readonly revision: number;
  /** `snis`, or `[sni]`. */
  readonly names: readonly string[];
  readonly client: ClientVerification | undefined;
  readonly #value: Readonly<Record<string, unknown>>;
  readonly #defaults: TlsDefaults;
  readonly #decryptKey: (stored: string) => string;
  #built: SecureContext | GatehouseError | undefined;

  constructor(item: SslItem, defaults: TlsDefaults, decryptKey: (stored: string) => string) {
    const v = item.value;
    this.id = item.id;
    this.revision = item.modRevision;
    this.names = Array.isArray(v['snis'])
      ? v['snis'].filter((s): s is string => typeof s === 'string')
      : typeof v['sni'] === 'string'
        ? [v['sni']]
        : [];
    this.client = clientOf(v['client']);
    this.#value = v;
    this.#defaults = defaults;
    this.#decryptKey = decryptKey;
  }

  /** Whether an SSL object takes part in SNI matching: type server (default), status 1/absent. */
  static serves(value: Readonly<Record<string, unknown>>): boolean {
    return (value['type'] ?? 'server') === 'server' && (value['status'] ?? 1) === 1;
  }

  /** The context for this object's handshakes, or why there is none. */
  context(): SecureContext | GatehouseError {
    this.#built ??= this.#build();
    return this.#built;
  }

  #build(): SecureContext | GatehouseError {
    try {
      // `$env://` references in cert/key/certs/keys/client.ca resolve here, once per version
      // (APISIX resolves them at handshake time); one that does not leaves its field unusable.
      const { value: v, failures } = resolveSecretRefs(this.#value);
      const unresolved = new Map(failures.map((f) => [f.ref, f.reason]));
      const pem = (value: unknown, field: string): string => this.#pem(value, field, unresolved);
      const certs: unknown[] = [v['cert'], ...listOf(v['certs'])];
      const keys: unknown[] = [v['key'], ...listOf(v['keys'])];
      const own = Array.isArray(v['ssl_protocols'])
        ? parseProtocols(v['ssl_protocols'].join(' '))
        : undefined;
      const protocols = own !== undefined && own.length > 0 ? own : this.#defaults.protocols;
      return createSecureContext({
        cert: certs.map((c) => pem(c, 'cert')),
        key: keys.map((k) => this.#decryptKey(pem(k, 'key'))),
        ...(this.client ? { ca: pem(clientCa(v['client']), 'client.ca') } : {}),
        ...versionOptions(protocols, this.#defaults),
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return err instanceof GatehouseError
        ? err
        : new GatehouseError('GH_ERR_TLS_CERTIFICATE', `ssl ${this.id}: ${message}`, {
            cause: err,
          });
    }
  }

  #pem(value: unknown, field: string, unresolved: ReadonlyMap<string, string>): string {
    if (typeof value !== 'string') {
      throw new GatehouseError(
        'GH_ERR_TLS_CERTIFICATE',
        `ssl ${this.id}: ${field} is missing or not a string`,
      );
    }
    if (isSecretRef(value)) {
      const reason = unresolved.get(value) ?? 'it resolves to another secret reference';
      throw new GatehouseError(
        'GH_ERR_TLS_CERTIFICATE',
        `ssl ${this.id}: ${field} ${value} does not resolve: ${reason}`,
      );
    }
    return value;
  }
}

function clientCa(value: unknown): unknown {
  return (value as { ca?: unknown } | undefined)?.ca;
}

function clientOf(value: unknown): ClientVerification | undefined {
  const client = value as { ca?: unknown; depth?: unknown; skip_mtls_uri_regex?: unknown };
  if (typeof client?.ca !== 'string') return undefined;
  const skipUris: RegExp[] = [];
  for (const pattern of listOf(client.skip_mtls_uri_regex)) {
    const re = typeof pattern === 'string' ? toJsRegExp(pattern, false) : undefined;
    // An invalid pattern skips nothing: the stricter reading of a broken exception list.
    if (re instanceof RegExp) skipUris.push(re);
  }
  return { ca: client.ca, depth: typeof client.depth === 'number' ? client.depth : 1, skipUris };
}

function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/**
 * node's minVersion/maxVersion for a list of protocols, with the versions inside the range that
 * the list leaves out switched off; TLSv1/1.1 need OpenSSL's security level 0, as nginx lets them.
 */
function versionOptions(
  protocols: readonly TlsProtocol[],
  defaults: TlsDefaults,
): {
  minVersion: TlsProtocol;
  maxVersion: TlsProtocol;
  secureOptions: number;
  ciphers?: string;
} {
  const sorted = PROTOCOLS.filter((p) => protocols.includes(p));
  const min = sorted[0] ?? 'TLSv1.2';
  const max = sorted[sorted.length - 1] ?? 'TLSv1.3';
  let secureOptions = defaults.sessionTickets ? 0 : constants.SSL_OP_NO_TICKET;
  for (let i = PROTOCOLS.indexOf(min); i <= PROTOCOLS.indexOf(max); i++) {
    const p = PROTOCOLS[i]!;
    if (!sorted.includes(p)) secureOptions |= NO_VERSION[p];
  }
  const legacy = min === 'TLSv1' || min === 'TLSv1.1';
  const ciphers = legacy ? `${defaults.ciphers ?? DEFAULT_CIPHERS}:@SECLEVEL=0` : defaults.ciphers;
  return {
    minVersion: min,
    maxVersion: max,
    secureOptions,
    ...(ciphers === undefined ? {} : { ciphers }),
  };
}
