import type { IncomingMessage, ServerResponse } from 'node:http';

const kContinue = Symbol('continue');
type Expecting = IncomingMessage & { [kContinue]?: ServerResponse };

/**
 * `Expect: 100-continue` as nginx answers it: "100 Continue" goes out when the gateway starts to
 * read the body (ngx_http_test_expect runs when a body is read: proxy_pass, or a plugin reading
 * it), not when the head arrives as node:http does by default. So a declared Content-Length
 * over client_max_body_size gets its 413 alone, as in nginx, and so does any answer given
 * without reading the body (a 404, a plugin's 401), after which node:http closes the connection
 * (the client may never send the body it was not asked for).
 *
 * The listener hands such a request to the proxy through node's `checkContinue` event; the
 * response is kept on the request until `sendContinue`.
 */
export function holdContinue(req: IncomingMessage, res: ServerResponse): void {
  (req as Expecting)[kContinue] = res;
}

/** Sends "100 Continue" if the client is waiting for it; once. */
export function sendContinue(req: IncomingMessage): void {
  const r = req as Expecting;
  const res = r[kContinue];
  if (res === undefined) return;
  r[kContinue] = undefined;
  if (!res.headersSent) res.writeContinue();
}
