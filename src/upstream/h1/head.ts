import type { Readable } from 'node:stream';
import { UpstreamError } from './errors.js';
import type { UpstreamRequest } from './types.js';

/** `length` of a body streamed without a Content-Length: sent chunked. */
export const CHUNKED = -1;

/** What the head says about the exchange, for the connection that sends it. */
export interface HeadFacts {
  /** Body bytes that follow the head (0: none), or CHUNKED. */
  length: number;
  /** The connection closes after this exchange (`connection: close` was sent). */
  close: boolean;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9110 field-value characters: no CR, LF, NUL or other controls but HTAB. */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** A request target never has spaces or controls (they would end the request line). */
const BAD_PATH = /[^\x21-\xff]/;
const DIGITS = /^\d+$/;

/**
 * The head of one HTTP/1.1 request: request line, the caller's headers, `connection`, the body
 * framing and the blank line, ready for one `socket.write(head, 'latin1')`. As undici does, it
 * refuses what would change the framing or smuggle a header (CR/LF in a value, a second Host,
 * Transfer-Encoding, Upgrade, Expect), writes Content-Length itself (from the Buffer, or the
 * caller's value for a stream; chunked without one), and closes the connection after HEAD
 * (a server that wrongly sends a HEAD body would otherwise desync the next response), after a
 * body on a method that does not expect one, and when `keepAlive` is false (last request the
 * connection may carry).
 *
 * @example
 *   const facts = { length: 0, close: false };
 *   socket.write(requestHead({ method: 'GET', path: '/', headers: ['host', 'a'] }, true, facts), 'latin1');
 */
export function requestHead(req: UpstreamRequest, keepAlive: boolean, facts: HeadFacts): string {
  const { method, path } = req;
  if (!TOKEN.test(method)) throw invalid('invalid request method');
  if (!originOrAbsolute(path) || BAD_PATH.test(path)) throw invalid('invalid request path');
  let head = method + ' ' + path + ' HTTP/1.1\r\n';
  let declared = -1;
  let close = !keepAlive || method === 'HEAD';
  let hosts = 0;
  const headers = req.headers;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    if (!TOKEN.test(name)) throw invalid('invalid header name');
    if (BAD_VALUE.test(value)) throw invalid(`invalid ${name} header`);
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host' && ++hosts > 1) throw invalid('duplicate host header');
        break;
      case 6:
      case 7:
      case 17: {
        const lower = name.toLowerCase();
        if (lower === 'expect' || lower === 'upgrade' || lower === 'transfer-encoding') {
          throw invalid(`invalid ${lower} header`);
        }
        break;
      }
      case 10: {
        const lower = name.toLowerCase();
        if (lower === 'keep-alive') throw invalid('invalid keep-alive header');
        if (lower === 'connection') {
          if (asksToClose(value)) close = true;
          continue;
        }
        break;
      }
      case 14:
        if (name.toLowerCase() === 'content-length') {
          if (declared >= 0 || !DIGITS.test(value)) throw invalid('invalid content-length header');
          declared = Number(value);
          continue;
        }
        break;
    }
    head += name + ': ' + value + '\r\n';
  }
  const body = req.body;
  let length: number;
  if (body === null || body === undefined) {
    if (declared > 0) throw mismatch();
    length = 0;
  } else if (Buffer.isBuffer(body)) {
    length = body.length;
    if (declared >= 0 && declared !== length) throw mismatch();
  } else {
    length = declared >= 0 ? declared : CHUNKED;
  }
  const payload = expectsPayload(method);
  if (length !== 0 && !payload) close = true;
  facts.length = length;
  facts.close = close;
  head += close ? 'connection: close\r\n' : 'connection: keep-alive\r\n';
  if (length === CHUNKED) return head + 'transfer-encoding: chunked\r\n\r\n';
  if (length > 0 || payload) return head + 'content-length: ' + length + '\r\n\r\n';
  return head + '\r\n';
}

/** Whether a streamed body can be sent again: nothing of it has been read yet. */
export function replayable(body: Buffer | Readable | null | undefined): boolean {
  return body === null || body === undefined || Buffer.isBuffer(body) || !body.readableDidRead;
}

/** undici's list: methods whose requests define a body (Content-Length: 0 when empty). */
function expectsPayload(method: string): boolean {
  return (
    method === 'POST' ||
    method === 'PUT' ||
    method === 'PATCH' ||
    method === 'QUERY' ||
    method === 'PROPFIND' ||
    method === 'PROPPATCH'
  );
}

/** `/...`, or an absolute URL as a client may send it to a proxy (undici allows both). */
function originOrAbsolute(path: string): boolean {
  return path.charCodeAt(0) === 0x2f || path.startsWith('http://') || path.startsWith('https://');
}

function asksToClose(value: string): boolean {
  for (const token of value.toLowerCase().split(',')) {
    const t = token.trim();
    if (!TOKEN.test(t)) throw invalid('invalid connection header');
    if (t === 'close') return true;
  }
  return false;
}

function invalid(message: string): UpstreamError {
  return new UpstreamError('UND_ERR_INVALID_ARG', message);
}

function mismatch(): UpstreamError {
  return new UpstreamError(
    'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
    'request body length does not match content-length header',
  );
}
