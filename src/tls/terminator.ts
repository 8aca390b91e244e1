import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { GatehouseError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { clientCertError, setClientCertState } from './client-cert.js';
import { readClientHello } from './client-hello.js';
import type { SslEntry } from './ssl-entry.js';

/** A fatal handshake_failure alert, what a client gets when no certificate serves its name. */
const HANDSHAKE_FAILURE = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]);

export interface TlsTerminatorOptions {
  /** Picks the SSL object for a ClientHello's server name (CertificateStore). */
  readonly select: (serverName: string | undefined) => SslEntry | undefined;
  /** Time for the whole handshake, ClientHello included (nginx ssl_handshake_timeout: 60 s). */
  readonly handshakeTimeoutMs: number;
  /** What ALPN offers, by preference: `['h2', 'http/1.1']` with HTTP/2 on. */
  readonly alpnProtocols: readonly string[];
  readonly logger: Logger;
}

/**
 * TLS termination of accepted TCP connections with the certificate, and the protocol versions,
 * of the SSL object the ClientHello's SNI selects (spec §6). The ClientHello is read before
 * OpenSSL sees it, as APISIX's `ssl_client_hello_by_lua` does: node's SNICallback runs after the
 * protocol version is negotiated, too late for an SSL object's own `ssl_protocols`. The bytes
 * read are handed back to the TLS socket, which then runs the handshake with that object's
 * context. No SSL object for the name (or no name and no `fallback_sni`): the client gets a
 * handshake_failure alert.
 *
 * @example
 *   const tls = new TlsTerminator({
 *     select: (n) => store.select(n),
 *     handshakeTimeoutMs: 60_000,
 *     alpnProtocols: ['h2', 'http/1.1'],
 *     logger,
 *   });
 *   net.createServer((raw) => tls.accept(raw, (secure) => httpServer.emit('connection', secure)));
 */
export class TlsTerminator {
  readonly #opts: TlsTerminatorOptions;
  readonly #alpn: string[];
  /** Connections still in their handshake (closed by `close`). */
  readonly #pending = new Set<Socket>();
  /** SSL object versions whose unusable context was logged (once each, not per handshake). */
  readonly #reported = new WeakSet<SslEntry>();

  constructor(opts: TlsTerminatorOptions) {
    this.#opts = opts;
    this.#alpn = [...opts.alpnProtocols];
  }

  /** Runs the handshake on `raw`; `onSecure` gets the TLS socket once it is established. */
  accept(raw: Socket, onSecure: (socket: TLSSocket) => void): void {
    const alpn = this.#alpn;
    let live: Socket = raw;
    let chunks: Buffer[] = [];
    this.#pending.add(raw);
    const timer = setTimeout(() => live.destroy(), this.#opts.handshakeTimeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      this.#pending.delete(raw);
      raw.off('data', onData);
    };
    const fail = (): void => {
      finish();
      live.destroy();
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      const data = chunks.length === 1 ? chunk : Buffer.concat(chunks);
      chunks = [data];
      const hello = readClientHello(data);
      if (hello.state === 'partial') return;
      raw.pause();
      raw.off('data', onData);
      if (hello.state === 'invalid') return fail();
      const entry = this.#opts.select(hello.serverName);
      const context = entry === undefined ? undefined : this.#context(entry);
      if (entry === undefined || context === undefined) {
        // Still pending: a client that never closes its side is dropped by the timer.
        raw.end(HANDSHAKE_FAILURE);
        return;
      }
      raw.unshift(data);
      const client = entry.client;
      const secure = new TLSSocket(raw, {
        isServer: true,
        secureContext: context,
        ALPNProtocols: alpn,
        // With skip_mtls_uri_regex a client without a certificate gets through to the request.
        ...(client ? { requestCert: true, rejectUnauthorized: client.skipUris.length === 0 } : {}),
      });
      live = secure;
      secure.on('error', fail);
      secure.once('secure', () => {
        finish();
        secure.off('error', fail);
        // As tls.Server does before 'secureConnection': node:http2 waits for a 'secureConnect'
        // that a server-side socket never emits while this is still true.
        (secure as TLSSocket & { secureConnecting: boolean }).secureConnecting = false;
        if (client !== undefined) {
          const refused = clientCertError(secure, client.depth);
          if (refused !== undefined && client.skipUris.length === 0) {
            this.#opts.logger.debug({ ssl: entry.id, err: refused }, 'client certificate refused');
            secure.destroy();
            return;
          }
          setClientCertState(secure, {
            verified: refused === undefined,
            skipUris: client.skipUris,
          });
        }
        onSecure(secure);
      });
    };
    raw.on('data', onData);
    raw.on('error', fail);
    raw.once('close', finish);
  }

  /** Drops every connection still in its handshake (a worker stopping). */
  close(): void {
    for (const raw of this.#pending) raw.destroy();
    this.#pending.clear();
  }

  #context(entry: SslEntry): SecureContext | undefined {
    const context = entry.context();
    if (context instanceof GatehouseError) {
      if (!this.#reported.has(entry)) {
        this.#reported.add(entry);
        this.#opts.logger.error({ ssl: entry.id, err: context }, 'SSL object cannot serve TLS');
      }
      return undefined;
    }
    return context;
  }
}
