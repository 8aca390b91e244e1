import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorPageBytes, HEADER_TOO_LARGE } from './error-pages.js';

/** What node:http hands a `clientError` listener: llhttp's code, and the bytes it was reading. */
type ClientError = Error & { code?: string; bytesParsed?: number; rawPacket?: Buffer };

/**
 * nginx's answer to a request node:http could not parse, instead of node's bare default (431 for
 * any head too large, no body, no Server): 414 when the request line itself is too long, 400
 * with nginx's "Request Header Or Cookie Too Large" page (its 494) for a head past node's limit
 * (header-buffers.ts sets it to what nginx's buffers hold), 400 with nginx's page for anything
 * else malformed. Nothing is written on a connection that already carried a response (node's rule:
 * the client could not tell which request it answers); the socket closes once the page is out.
 *
 * A head that did not arrive within client_header_timeout gets no answer at all: nginx logs a 408
 * and closes the connection (ngx_http_finalize_request ends a REQUEST_TIME_OUT without a
 * response), where node would write its bare 408.
 */
export function answerClientError(err: ClientError, socket: Duplex, server: string): void {
  const s = socket as Socket;
  if (
    err.code === 'ECONNRESET' ||
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ||
    !s.writable ||
    s.bytesWritten > 0
  ) {
    s.destroy();
    return;
  }
  s.write(errorPageBytes(statusOf(err), server));
  s.destroySoon();
}

/** nginx 405 for CONNECT (since 1.21.1 it never tunnels), on the raw socket node hands over. */
export function refuseConnect(socket: Duplex, server: string): void {
  const s = socket as Socket;
  s.on('error', () => s.destroy());
  s.write(errorPageBytes(405, server));
  s.destroySoon();
}

function statusOf(err: ClientError): number {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return inRequestLine(err) ? 414 : HEADER_TOO_LARGE;
    default:
      return 400;
  }
}

/** No line feed before the byte llhttp stopped at: still in the request line (this read's view). */
function inRequestLine(err: ClientError): boolean {
  const raw = err.rawPacket;
  if (raw === undefined) return false;
  const end = Math.min(err.bytesParsed ?? raw.length, raw.length);
  return raw.subarray(0, end).indexOf(0x0a) < 0;
}
