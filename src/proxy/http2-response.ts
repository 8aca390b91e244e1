import type { ServerResponse } from 'node:http';
import { Http2ServerResponse } from 'node:http2';

/**
 * Connection-specific header fields (RFC 9113 §8.2.2): an HTTP/2 response must not carry them,
 * and node throws ERR_HTTP2_INVALID_CONNECTION_HEADERS when asked to (or drops `Connection` with
 * a process warning). `te` is allowed only as `trailers`.
 */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/**
 * Whether `res` answers an HTTP/2 stream (node's compatibility API behind the SSL listeners'
 * `h2` connections): no reason phrase, no connection-specific headers.
 */
export function isHttp2(res: ServerResponse): boolean {
  return (res as unknown) instanceof Http2ServerResponse;
}

/** A flat name/value header array without what HTTP/2 forbids (the same array if none). */
export function withoutConnectionHeaders(headers: string[]): string[] {
  let out: string[] | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const lower = headers[i]!.toLowerCase();
    const forbidden =
      CONNECTION_SPECIFIC.has(lower) || (lower === 'te' && headers[i + 1] !== 'trailers');
    if (forbidden) out ??= headers.slice(0, i);
    else out?.push(headers[i]!, headers[i + 1]!);
  }
  return out ?? headers;
}
