import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

/**
 * An HTTP/2 request (node's compatibility API) as the proxy reads an HTTP/1.1 one, so routing,
 * plugins and forwarding (HTTP/1.1 to the upstream) need no second path:
 * - `:authority` is the Host (RFC 9113 §8.3.1), in `headers.host` and first in `rawHeaders`; a
 *   `host` field sent beside it is dropped, not counted as a duplicate Host;
 * - the pseudo-header fields leave `rawHeaders` (they stay in `headers`: node reads the method
 *   and path from there), so they are never forwarded;
 * - `cookie` fields, which HTTP/2 clients may send one per cookie, become one, joined by `; `,
 *   as nginx does before proxying;
 * - a body without `content-length` (HTTP/2 frames it, not the header) reads as a chunked
 *   HTTP/1.1 body: `transfer-encoding: chunked` in `headers` (never forwarded as such).
 *
 * @example
 *   h2.on('request', (req, res) => proxy.onRequest(asHttp1Request(req), asHttp1Response(res)));
 */
export function asHttp1Request(req: Http2ServerRequest): IncomingMessage {
  const headers = req.headers;
  const authority = headers[':authority'];
  const raw = req.rawHeaders;
  const rawHeaders: string[] = authority === undefined ? [] : ['host', authority];
  let cookies: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    // HTTP/2 field names arrive lower-case (node refuses others).
    const name = raw[i]!;
    if (name.charCodeAt(0) === 0x3a /* : */) continue;
    if (name === 'host' && authority !== undefined) continue;
    if (name === 'cookie') (cookies ??= []).push(raw[i + 1]!);
    else rawHeaders.push(name, raw[i + 1]!);
  }
  if (cookies !== undefined) rawHeaders.push('cookie', cookies.join('; '));
  if (authority !== undefined) headers.host = authority;
  if (headers['content-length'] === undefined && !req.stream.endAfterHeaders) {
    headers['transfer-encoding'] = 'chunked';
  }
  // An own property over the prototype's getter: the request is not an IncomingMessage.
  Object.defineProperty(req, 'rawHeaders', { value: rawHeaders });
  return req as unknown as IncomingMessage;
}

/**
 * An HTTP/2 response as the proxy reads an HTTP/1.1 one: node's has no `destroyed`, which the
 * proxy reads to know the client went away (a stream reset) while a plugin or the upstream was
 * awaited; it is the stream's. (What it must not write on HTTP/2, http2-response.ts leaves out.)
 */
export function asHttp1Response(res: Http2ServerResponse): ServerResponse {
  Object.defineProperty(res, 'destroyed', { get: () => res.stream.destroyed });
  return res as unknown as ServerResponse;
}
