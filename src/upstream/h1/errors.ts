/**
 * Why an upstream request failed. Internal to the proxy, like BodyError: the exchange maps the
 * code to 502 or 504 and never shows it to a client. The codes are undici's, because the
 * exchange maps undici's and both clients can sit under it (GATEHOUSE_UPSTREAM_CLIENT=undici);
 * a response that does not parse keeps llhttp's `HPE_*` code.
 */
export type UpstreamErrorCode =
  | 'UND_ERR_CONNECT_TIMEOUT'
  | 'UND_ERR_HEADERS_TIMEOUT'
  | 'UND_ERR_BODY_TIMEOUT'
  /** The upstream closed the connection before the response was complete. */
  | 'UND_ERR_SOCKET'
  | 'UND_ERR_ABORTED'
  /** A request that cannot be sent as given (bad header, path or method). */
  | 'UND_ERR_INVALID_ARG'
  /** The request body is longer or shorter than its Content-Length. */
  | 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH'
  /** The pool was closed before the request was dispatched. */
  | 'UND_ERR_DESTROYED'
  /** A response the proxy must not pass on (a 101 nobody asked for, ...). */
  | 'UND_ERR_INFO'
  | `HPE_${string}`;

export class UpstreamError extends Error {
  readonly code: UpstreamErrorCode;

  constructor(code: UpstreamErrorCode, message: string) {
    super(message);
    this.name = 'UpstreamError';
    this.code = code;
  }
}

/** llhttp's error (`code` HPE_*, `reason`) as an UpstreamError. */
export function parseError(err: Error): UpstreamError {
  const e = err as Error & { code?: string; reason?: string };
  const code = e.code !== undefined && e.code.startsWith('HPE_') ? e.code : 'HPE_USER';
  return new UpstreamError(
    code as UpstreamErrorCode,
    `invalid upstream response: ${e.reason ?? e.message}`,
  );
}
