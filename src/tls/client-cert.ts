import type { PeerCertificate, TLSSocket } from 'node:tls';

/** What the handshake of a connection to an SSL object with `client` (mTLS) established. */
export interface ClientCertState {
  /** The client sent a certificate that chains to `client.ca` within `client.depth`. */
  readonly verified: boolean;
  /** `client.skip_mtls_uri_regex`: paths served without a verified certificate. */
  readonly skipUris: readonly RegExp[];
}

/**
 * Kept on the socket itself, not in a WeakMap keyed by it: an HTTP/2 request's `req.socket` is
 * node's proxy of the TLS socket, which reads properties through but is not the socket.
 */
const kState = Symbol('clientCertState');
type Stated = TLSSocket & { [kState]?: ClientCertState };

/** The mTLS state of a secure connection, undefined when its SSL object has no `client`. */
export function clientCertState(socket: TLSSocket): ClientCertState | undefined {
  return (socket as Stated)[kState];
}

export function setClientCertState(socket: TLSSocket, state: ClientCertState): void {
  (socket as Stated)[kState] = state;
}

/** node's TLS handle exposes OpenSSL's verify result, which node's own tls.Server reads. */
interface VerifyingHandle {
  verifyError(): Error | null;
}

/**
 * Why the client certificate of an established connection is not acceptable, or undefined if
 * it is: none sent, OpenSSL's chain verification against the context's `ca` failed, or more
 * CA certificates above the client's than `depth` (nginx's ssl_verify_depth, 1 by default: a
 * client certificate signed by the CA itself; one intermediate needs 2). node accepts every
 * certificate during the handshake and leaves the verdict to the server; a TLSSocket made
 * without a tls.Server has to read it itself.
 */
export function clientCertError(socket: TLSSocket, depth: number): string | undefined {
  const peer = socket.getPeerCertificate(true);
  if (peer === null || Object.keys(peer).length === 0) return 'no client certificate';
  const handle = (socket as unknown as { _handle?: Partial<VerifyingHandle> })._handle;
  if (typeof handle?.verifyError !== 'function') return 'cannot read the verify result';
  const err = handle.verifyError();
  if (err !== null) return err.message;
  const cas = chainLength(peer) - 1;
  return cas > depth ? `certificate chain too long: ${cas} CAs, depth ${depth}` : undefined;
}

/** Certificates from the client's up to the trust anchor node found for it. */
function chainLength(peer: PeerCertificate): number {
  let n = 1;
  let cert = peer as PeerCertificate & { issuerCertificate?: PeerCertificate };
  while (cert.issuerCertificate !== undefined && cert.issuerCertificate !== cert && n < 100) {
    cert = cert.issuerCertificate;
    n++;
  }
  return n;
}
