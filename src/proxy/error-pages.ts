import type { ServerResponse } from 'node:http';
import { isHttp2 } from './http2-response.js';

/**
 * The bodies APISIX sends for errors it does not produce itself: nginx's built-in error pages
 * (with `server_tokens off`, so the tail names openresty without a version), and the JSON 404
 * of an unmatched route. Built once; a response only writes the buffers.
 */
const REASONS: Readonly<Record<number, string>> = {
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Authorization Required',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Time-out',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Large',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
  505: 'HTTP Version Not Supported',
  507: 'Insufficient Storage',
};

/**
 * nginx's 494, a header line or a head too large for its buffers: never on the wire as such,
 * it goes out as 400 with a page of its own ("Request Header Or Cookie Too Large").
 */
export const HEADER_TOO_LARGE = 494;

/** The status on the wire for one of the gateway's statuses (494 is sent as 400). */
function wireStatus(status: number): number {
  return status === HEADER_TOO_LARGE ? 400 : status;
}

function page(status: number): Buffer {
  const title = `${status} ${REASONS[status] ?? ''}`;
  return html(title, `<center><h1>${title}</h1></center>\r\n`);
}

function html(title: string, body: string): Buffer {
  return Buffer.from(
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n${body}` +
      `<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n`,
    'latin1',
  );
}

const PAGES = new Map<number, Buffer>(Object.keys(REASONS).map((s) => [+s, page(+s)]));
PAGES.set(
  HEADER_TOO_LARGE,
  html(
    '400 Request Header Or Cookie Too Large',
    '<center><h1>400 Bad Request</h1></center>\r\n' +
      '<center>Request Header Or Cookie Too Large</center>\r\n',
  ),
);
/** The body of a 404 for an unmatched route. */
export const ROUTE_NOT_FOUND_BODY = Buffer.from('{"error_msg":"404 Route Not Found"}\n');
export const HTML = 'text/html; charset=utf-8';
export const TEXT = 'text/plain; charset=utf-8';

/** nginx's error page body for `status`. */
export function errorPage(status: number): Buffer {
  return PAGES.get(status) ?? page(status);
}

/**
 * nginx's error page for `status`, with nginx's reason phrase on the status line (`503 Service
 * Temporarily Unavailable`, not node's `Service Unavailable`) on HTTP/1.x; `extra` are more header
 * name/value pairs.
 */
export function sendErrorPage(
  res: ServerResponse,
  status: number,
  server: string,
  extra?: readonly string[],
): void {
  const body = PAGES.get(status) ?? page(status);
  const headers = ['Content-Type', HTML, 'Content-Length', String(body.length), 'Server', server];
  if (extra !== undefined) headers.push(...extra);
  const sent = wireStatus(status);
  const reason = REASONS[sent];
  // HTTP/2 has no reason phrase (node warns when given one).
  if (reason === undefined || isHttp2(res)) res.writeHead(sent, headers);
  else res.writeHead(sent, reason, headers);
  res.end(body);
}

/** A whole error response as bytes, for a raw socket (upgrade requests). */
export function errorPageBytes(status: number, server: string): Buffer {
  const body = PAGES.get(status) ?? page(status);
  const sent = wireStatus(status);
  const head =
    `HTTP/1.1 ${sent} ${REASONS[sent] ?? ''}\r\nContent-Type: ${HTML}\r\n` +
    `Content-Length: ${body.length}\r\nServer: ${server}\r\nConnection: close\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** `{"error_msg":"404 Route Not Found"}`: no route matched. */
export function sendRouteNotFound(res: ServerResponse, server: string): void {
  res.writeHead(404, [
    'Content-Type',
    TEXT,
    'Content-Length',
    String(ROUTE_NOT_FOUND_BODY.length),
    'Server',
    server,
  ]);
  res.end(ROUTE_NOT_FOUND_BODY);
}
