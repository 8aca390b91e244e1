import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { GatewayConfig, ListenAddress } from '../config/types.js';
import { decryptPrivateKey, type Keyring } from '../core/data-encryption.js';
import type { Logger } from '../core/logger.js';
import { errorPageBytes, sendErrorPage } from '../proxy/error-pages.js';
import { hostOf } from '../proxy/request-vars.js';
import { CertificateStore } from '../tls/certificate-store.js';
import { clientCertState } from '../tls/client-cert.js';
import { normalizeSni } from '../tls/sni-table.js';
import { parseProtocols } from '../tls/ssl-entry.js';
import { TlsTerminator } from '../tls/terminator.js';
import type { SslListen } from './listeners.js';
import { gatehouseVersion } from './version.js';

/**
 * APISIX's `verify_https_client` (spec §6): a connection whose SSL object verifies clients but
 * let one through without a valid certificate (skip_mtls_uri_regex) only serves the paths the
 * regexes match; and when the SSL object the Host selects verifies clients, the Host must be the
 * connection's SNI (a client cannot use one name's certificate to reach another's routes).
 */
function admitsClient(req: IncomingMessage, certificates: CertificateStore): boolean {
  const socket = req.socket as TLSSocket;
  const state = clientCertState(socket);
  if (state !== undefined && !state.verified) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (!state.skipUris.some((re) => re.test(path))) return false;
  }
  if (!certificates.verifiesClients) return true;
  const raw = req.headers.host;
  if (raw === undefined || raw === '') return true;
  const host = normalizeSni(hostOf(raw));
  if (certificates.forHostWithClient(host) === undefined) return true;
  const sni = typeof socket.servername === 'string' ? normalizeSni(socket.servername) : '';
  return sni === host;
}

/** nginx's ssl_handshake_timeout default. */
const HANDSHAKE_TIMEOUT_MS = 60_000;

/** The HTTPS listeners a worker opens: `apisix.ssl.listen` when enabled, unless stream-only. */
export function sslAddresses(config: GatewayConfig): ListenAddress[] {
  const { ssl, proxy_mode } = config.apisix;
  return ssl.enable && proxy_mode !== 'stream' ? [...ssl.listen] : [];
}

/**
 * A worker's TLS termination: the certificate store the snapshot keeps current from `ssls`, and
 * the SSL listeners that pick a certificate from it per handshake. Undefined when no SSL
 * listener is configured.
 */
export function sslListen(
  config: GatewayConfig,
  keyring: Keyring,
  logger: Logger,
): { certificates: CertificateStore; listen: SslListen } | undefined {
  const addresses = sslAddresses(config);
  if (addresses.length === 0) return undefined;
  const ssl = config.apisix.ssl;
  const http2 = config.apisix.enable_http2;
  const certificates = new CertificateStore({
    defaults: {
      protocols: parseProtocols(ssl.ssl_protocols),
      ciphers: ssl.ssl_ciphers,
      sessionTickets: ssl.ssl_session_tickets,
    },
    fallbackSni: ssl.fallback_sni,
    decryptKey: (stored) => decryptPrivateKey(keyring, stored),
    logger,
  });
  const terminator = new TlsTerminator({
    select: (name) => certificates.select(name),
    handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    alpnProtocols: http2 ? ['h2', 'http/1.1'] : ['http/1.1'],
    logger,
  });
  const server = config.apisix.enable_server_tokens
    ? `Gatehouse/${gatehouseVersion()}`
    : 'Gatehouse';
  return {
    certificates,
    listen: {
      addresses,
      http2,
      accept: (raw, onSecure) => terminator.accept(raw, onSecure),
      close: () => terminator.close(),
      admit: (req) => admitsClient(req, certificates),
      refuse: (res) => sendErrorPage(res, 400, server),
      refuseUpgrade: (socket) => {
        socket.end(errorPageBytes(400, server));
      },
    },
  };
}
