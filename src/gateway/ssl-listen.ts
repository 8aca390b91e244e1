import type { GatewayConfig, ListenAddress } from '../config/types.js';
import { decryptPrivateKey, type Keyring } from '../core/data-encryption.js';
import type { Logger } from '../core/logger.js';
import { CertificateStore } from '../tls/certificate-store.js';
import { parseProtocols } from '../tls/ssl-entry.js';
import { TlsTerminator } from '../tls/terminator.js';
import type { SslListen } from './listeners.js';

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
    logger,
  });
  return {
    certificates,
    listen: {
      addresses,
      accept: (raw, onSecure) => terminator.accept(raw, onSecure),
      close: () => terminator.close(),
    },
  };
}
