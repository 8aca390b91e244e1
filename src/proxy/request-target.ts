import type { IncomingMessage } from 'node:http';
import { normalizePath, splitAbsoluteForm } from './normalize-path.js';
import { duplicateHost } from './request-headers.js';

/**
 * nginx's longest request line (`large_client_header_buffers 4 8k`): a longer one is 414, where
 * node:http would take up to its whole 16 KiB head.
 */
const MAX_REQUEST_LINE = 8192;

/** What a request routes on: its normalized path and host. */
export interface RequestTarget {
  readonly path: string;
  readonly host: string;
}

/**
 * The path and host a request routes on, as nginx reads them from the head, or the status nginx
 * refuses the head with: 414 for a request line over 8 KiB, 400 for a path that does not
 * normalize or two Host headers. An absolute-form target (`GET http://host/path`) routes on its
 * own host and path, and `req.url` becomes the origin form that is proxied.
 */
export function requestTarget(req: IncomingMessage): RequestTarget | 400 | 414 {
  const url = req.url ?? '/';
  // "GET " + url + " HTTP/1.1\r\n"
  if (url.length + (req.method?.length ?? 0) + 12 > MAX_REQUEST_LINE) return 414;
  let path = normalizePath(url);
  let host = req.headers.host ?? '';
  if (path === undefined) {
    const absolute = splitAbsoluteForm(url);
    if (absolute !== undefined) {
      req.url = absolute.target;
      host = absolute.host;
      path = normalizePath(absolute.target);
    }
  }
  if (path === undefined || duplicateHost(req.rawHeaders)) return 400;
  return { path, host };
}
