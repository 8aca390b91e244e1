import type { IncomingMessage } from 'node:http';
import { headOverflow } from './header-buffers.js';
import { normalizePath, splitAbsoluteForm } from './normalize-path.js';
import { duplicateHost } from './request-headers.js';

/** What a request routes on: its normalized path and host. */
export interface RequestTarget {
  readonly path: string;
  readonly host: string;
}

/**
 * The path and host a request routes on, as nginx reads them from the head, or the status nginx
 * refuses the head with: 414 for a request line over 8 KiB, 494 for a header line over 8 KiB or
 * a head its buffers cannot hold (header-buffers.ts), 400 for a path that does not normalize or
 * two Host headers. An absolute-form target (`GET http://host/path`) routes on its
 * own host and path, and `req.url` becomes the origin form that is proxied.
 */
export function requestTarget(req: IncomingMessage): RequestTarget | 400 | 414 | 494 {
  const overflow = headOverflow(req);
  if (overflow !== undefined) return overflow;
  const url = req.url ?? '/';
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
