import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RawHeaders, UpstreamHandler } from '../upstream/h1/types.js';
import type { PickContext, RuntimeUpstream, UpstreamNode } from '../upstream/runtime.js';
import type { TimeoutMs } from '../upstream/settings.js';
import { errorPage, HTML, sendErrorPage } from './error-pages.js';
import { sendContinue } from './expect-continue.js';
import { SendTimeout } from './send-timeout.js';
import { sendThroughPhases, type ExchangeObserver } from './plugin-phases.js';
import type { BodyRules, RequestEdits } from './plugin-request.js';
import { BodyError, RequestBody, type BodyOwner } from './request-body.js';
import { HOST_VALUE_INDEX } from './request-headers.js';
import { isHttp2 } from './http2-response.js';
import { downstreamHeaders, writeHeadSafely } from './response-headers.js';

/**
 * What every exchange of one handler shares (built once). Its body rules apply to a streamed
 * body without Content-Length (a declared length was checked before routing).
 */
export interface ExchangeShared extends BodyRules {
  /** The Server header value: `Gatehouse/<version>` or `Gatehouse`. */
  readonly server: string;
  readonly showUpstreamStatus: boolean;
  /** `send_timeout` in ms; 0 = none. */
  readonly sendTimeoutMs: number;
  readonly onFinished: (ex: Exchange, status: number) => void;
}

/** Errors nginx reports as 504: the upstream did not answer in time. */
const TIMEOUTS = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const kExchange = Symbol('exchange');
const NO_BYTES = Buffer.alloc(0);

/** What plugins changed and watch in one exchange; undefined on the plugin-free path. */
export interface ExchangePlugins {
  readonly edits: RequestEdits;
  readonly observer: ExchangeObserver;
}
type Tagged = ServerResponse & { [kExchange]?: Exchange };

/** Module-level listeners: no closure per request. */
function onResponseClose(this: Tagged): void {
  this[kExchange]?.clientGone();
}
function onResponseDrain(this: Tagged): void {
  this[kExchange]?.resumeUpstream();
}

/**
 * One proxied request: picks a node, sends the request through the node's pool with undici's
 * legacy dispatch handler (no promise, no stream wrapper, raw response headers), streams the
 * response back with back-pressure, and on a connection error or timeout before any response
 * byte retries the next node (spec §5.3: `retries`, `retry_timeout`), else answers 502/504.
 * The object is its own dispatch handler and its own PickContext.
 */
export class Exchange implements UpstreamHandler, PickContext, BodyOwner {
  tried: Set<string> | undefined = undefined;
  hashKey: string | undefined;
  readonly #req: IncomingMessage;
  readonly #res: Tagged;
  readonly #up: RuntimeUpstream;
  readonly #headers: string[];
  readonly #shared: ExchangeShared;
  readonly #timeouts: TimeoutMs;
  readonly #body: RequestBody | Buffer | null;
  readonly #clientHost: string;
  readonly #plugins: ExchangePlugins | undefined;
  #replacement: Buffer | undefined;
  #bytes = 0;
  #triesLeft: number;
  #deadline = 0;
  #node: UpstreamNode | undefined;
  #startedAt = 0;
  #statuses: string | undefined;
  #abort: ((err?: Error) => void) | undefined;
  #resume: (() => void) | undefined;
  #done = false;
  /** send_timeout, made the first time the client stops taking bytes (send-timeout.ts). */
  #sendTimeout: SendTimeout | undefined;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    up: RuntimeUpstream,
    headers: string[],
    timeouts: TimeoutMs,
    hashKey: string | undefined,
    shared: ExchangeShared,
    plugins?: ExchangePlugins,
  ) {
    this.#req = req;
    this.#res = res;
    this.#up = up;
    this.#headers = headers;
    this.#timeouts = timeouts;
    this.hashKey = hashKey;
    this.#shared = shared;
    this.#triesLeft = up.retries;
    this.#clientHost = req.headers.host ?? '';
    this.#plugins = plugins;
    const h = req.headers;
    const hasBody =
      h['transfer-encoding'] !== undefined ||
      (h['content-length'] !== undefined && h['content-length'] !== '0');
    const given = plugins?.edits.body;
    this.#body =
      given !== undefined
        ? given
        : hasBody
          ? new RequestBody(req, shared.maxBody, timeouts.send, shared.bodyTimeoutMs, this)
          : null;
  }

  get upstream(): RuntimeUpstream {
    return this.#up;
  }

  start(): void {
    // proxy_pass reads the client's body (nginx sends 100 Continue then, even with no body).
    sendContinue(this.#req);
    this.#res[kExchange] = this;
    // `on`, not `once` (which wraps the listener in a new closure): a response closes once.
    this.#res.on('close', onResponseClose);
    const retryMs = this.#up.settings.retryTimeoutMs;
    if (retryMs > 0) this.#deadline = Date.now() + retryMs;
    this.#try();
  }

  #try(): void {
    const up = this.#up;
    const node = up.pick(this);
    if (node === undefined) {
      this.#fail(this.#statuses === undefined ? 502 : this.#lastStatus());
      return;
    }
    this.#node = node;
    const s = up.settings;
    const edits = this.#plugins?.edits;
    const host =
      edits?.host !== undefined
        ? edits.host
        : s.passHost === 'pass'
          ? this.#clientHost
          : s.passHost === 'node'
            ? up.nodeHost(node)
            : (s.upstreamHost ?? this.#clientHost);
    this.#headers[HOST_VALUE_INDEX] = host;
    const sni = s.scheme === 'https' ? sniOf(host) : undefined;
    if (up.learns || this.#plugins !== undefined) this.#startedAt = performance.now();
    const t = this.#timeouts;
    up.pool(node, sni, t.connect).dispatch(
      {
        path: edits?.path ?? this.#req.url ?? '/',
        method: edits?.method ?? this.#req.method ?? 'GET',
        headers: this.#headers,
        body: this.#body,
        headersTimeout: t.read,
        bodyTimeout: t.read,
      },
      this,
    );
  }

  // ---- dispatch handler (undici's legacy form: raw headers, resume callback) ----

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    if (this.#done) abort();
  }

  onHeaders(status: number, raw: RawHeaders, resume: () => void): boolean {
    this.#resume = resume;
    const headers = downstreamHeaders(raw);
    headers.push('Server', this.#shared.server);
    if (status >= 500 || this.#shared.showUpstreamStatus) {
      const all = this.#statuses === undefined ? String(status) : `${this.#statuses}, ${status}`;
      headers.push('X-APISIX-Upstream-Status', all);
    }
    const observer = this.#plugins?.observer;
    if (observer !== undefined) {
      const took = this.#startedAt === 0 ? 0 : performance.now() - this.#startedAt;
      observer.upstream(this.#node!.key, status, took);
      const sent = observer.head(status, headers);
      this.#replacement = observer.replacement;
      writeHeadSafely(this.#res, sent, headers);
      return true;
    }
    // HTTP/2: what downstreamHeaders kept may still be forbidden there (HTTP2-Settings).
    if (isHttp2(this.#res)) writeHeadSafely(this.#res, status, headers);
    else this.#res.writeHead(status, headers);
    return true;
  }

  onData(chunk: Buffer): boolean {
    let out = chunk;
    const observer = this.#plugins?.observer;
    if (observer !== undefined) {
      if (this.#replacement !== undefined) return true;
      if (observer.filtersBody) out = observer.body(chunk, false);
      if (out.length === 0) return true;
      this.#bytes += out.length;
    }
    if (this.#res.write(out)) return true;
    this.#res.once('drain', onResponseDrain);
    this.#clientBlocked();
    return false;
  }

  onComplete(): void {
    this.#report(false);
    const observer = this.#plugins?.observer;
    if (observer !== undefined) {
      let last = this.#replacement ?? NO_BYTES;
      if (observer.filtersBody) last = observer.body(last, true);
      this.#bytes += last.length;
      // end(<empty buffer>) would cost one more (empty) writev: node writes the chunk apart.
      if (last.length === 0) this.#res.end();
      else this.#res.end(last);
      this.#finish(this.#res.statusCode);
      this.#endPending();
      return;
    }
    this.#finish(this.#res.statusCode);
    this.#res.end();
    this.#endPending();
  }

  onError(err: Error): void {
    if (this.#done) return;
    const res = this.#res;
    if (err instanceof BodyError && err.reason === 'too-large') {
      this.#report(false);
      this.#tooLarge();
      return;
    }
    if (err instanceof BodyError && err.reason === 'client-timeout') {
      // nginx ends a request whose body stalls without an answer, even mid-response: it logs
      // 408 and closes the connection (ngx_http_finalize_request, NGX_HTTP_REQUEST_TIME_OUT).
      this.#report(false);
      this.#finish(408);
      res.destroy();
      return;
    }
    if (res.headersSent) {
      // Mid-body: the status is out; all that is left is to cut the client off.
      this.#report(true);
      this.#finish(res.statusCode);
      res.destroy(err);
      return;
    }
    const code = (err as { code?: string }).code ?? '';
    const timedOut =
      TIMEOUTS.has(code) || (err instanceof BodyError && err.reason === 'send-timeout');
    const status = timedOut ? 504 : 502;
    this.#statuses = this.#statuses === undefined ? String(status) : `${this.#statuses}, ${status}`;
    this.#report(true);
    if (this.#canRetry()) {
      (this.tried ??= new Set()).add(this.#node!.key);
      this.#triesLeft--;
      this.#try();
      return;
    }
    this.#fail(status);
  }

  // ---- client side ----

  clientGone(): void {
    if (this.#done) return;
    this.#finish(499);
    this.#abort?.();
  }

  /** The request body failed a check while streaming: end this try (→ onError). */
  bodyFailed(err: BodyError): void {
    if (this.#done) return;
    if (this.#abort !== undefined) this.#abort(err);
    else this.onError(err);
  }

  resumeUpstream(): void {
    this.#sendTimeout?.drained();
    this.#resume?.();
  }

  /** The client stopped taking bytes: send_timeout runs until it takes some (send-timeout.ts). */
  #clientBlocked(): void {
    const ms = this.#shared.sendTimeoutMs;
    if (ms === 0) return;
    (this.#sendTimeout ??= new SendTimeout(this.#res, ms, () => this.#sendTimedOut())).blocked();
  }

  /** The response ended with bytes still unwritten: send_timeout watches them out too. */
  #endPending(): void {
    if (!this.#res.writableFinished && this.#res.writableLength > 0) this.#clientBlocked();
  }

  /** The client took nothing for send_timeout: nginx closes the connection. */
  #sendTimedOut(): void {
    if (!this.#done) {
      this.#report(false);
      this.#finish(this.#res.statusCode);
      this.#abort?.();
    }
    this.#res.destroy();
  }

  #canRetry(): boolean {
    if (this.#triesLeft <= 0 || this.#node === undefined) return false;
    // A streamed request body cannot be sent twice once any of it has been read.
    const body = this.#body;
    if (body !== null && !Buffer.isBuffer(body) && body.readableDidRead) return false;
    return this.#deadline === 0 || Date.now() < this.#deadline;
  }

  #lastStatus(): number {
    return this.#statuses !== undefined && this.#statuses.endsWith('504') ? 504 : 502;
  }

  #fail(status: number): void {
    const extra =
      this.#statuses === undefined ? undefined : ['X-APISIX-Upstream-Status', this.#statuses];
    const observer = this.#plugins?.observer;
    if (observer !== undefined) {
      this.#done = true;
      this.#res[kExchange] = undefined;
      const headers = ['Content-Type', HTML, ...(extra ?? [])];
      sendThroughPhases(
        this.#res,
        observer,
        status,
        headers,
        errorPage(status),
        this.#shared.server,
      );
      this.#shared.onFinished(this, status);
      return;
    }
    this.#finish(status);
    sendErrorPage(this.#res, status, this.#shared.server, extra);
  }

  /** nginx: 413, and the connection is closed once the rest of the body has been read away. */
  #tooLarge(): void {
    const res = this.#res;
    if (res.headersSent) {
      this.#finish(res.statusCode);
      res.destroy();
      return;
    }
    this.#finish(413);
    res.shouldKeepAlive = false;
    sendErrorPage(res, 413, this.#shared.server);
    this.#req.resume();
  }

  #report(failed: boolean): void {
    if (this.#up.learns && this.#node !== undefined) {
      this.#up.done(this.#node, performance.now() - this.#startedAt, failed);
    }
  }

  #finish(status: number): void {
    if (this.#done) return;
    this.#done = true;
    this.#res[kExchange] = undefined;
    const body = this.#body;
    if (body !== null && !Buffer.isBuffer(body) && !body.readableEnded) body.destroy();
    this.#plugins?.observer.end(status, this.#bytes);
    this.#shared.onFinished(this, status);
  }
}

/** TLS server name from a Host value: no port, no IPv6 brackets. */
function sniOf(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}
