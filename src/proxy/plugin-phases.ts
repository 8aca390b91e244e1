import type { ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';
import { runBodyFilter, runNotifyPhase, skipPreferRoute } from '../plugin/runner.js';
import type { PluginResponse } from '../plugin/types.js';
import { errorPage, HTML, TEXT } from './error-pages.js';
import type { PluginRequest } from './plugin-request.js';
import { writeHeadSafely } from './response-headers.js';
import { removeFlatHeader } from './response-view.js';

/** What a proxied exchange tells the plugins about the response (header/body filter, log). */
export interface ExchangeObserver {
  readonly filtersBody: boolean;
  /**
   * The response head: plugins may change the headers (in place), the status (returned) and
   * the body (`replacement`).
   */
  head(status: number, headers: string[]): number;
  /** After `head`: the body a header_filter put in place of the one to send, if any. */
  readonly replacement: Buffer | undefined;
  body(chunk: Buffer, last: boolean): Buffer;
  upstream(addr: string, status: number, latencyMs: number): void;
  /** The response is over (or the client left: 499); runs the log phase once. */
  end(status: number, bytesSent: number): void;
}

/**
 * The response-side phases of one request with plugins (spec §1.5 step 11): header_filter,
 * body_filter and log of the global rules, then of the route (+ consumer) chain. They run for
 * proxied responses, for responses a phase returned, and for the gateway's own error pages.
 */
export class PluginPhases implements ExchangeObserver {
  readonly pr: PluginRequest;
  readonly filtersBody: boolean;
  readonly #logger: Logger;
  #ended = false;

  constructor(pr: PluginRequest, logger: Logger) {
    this.pr = pr;
    this.#logger = logger;
    const c = pr.chains;
    this.filtersBody = c.global.bodyFilter.length + c.route.bodyFilter.length > 0;
  }

  get replacement(): Buffer | undefined {
    return this.pr.response.replacement;
  }

  head(status: number, headers: string[]): number {
    const { pr } = this;
    const c = pr.chains;
    pr.response.reset(status, headers);
    if (c.global.headerFilter.length > 0) {
      runNotifyPhase(c.global.headerFilter, 'headerFilter', pr, this.#logger, skipPreferRoute(c));
    }
    if (c.route.headerFilter.length > 0) {
      runNotifyPhase(c.route.headerFilter, 'headerFilter', pr, this.#logger);
    }
    const replacement = pr.response.replacement;
    if (replacement !== undefined || this.filtersBody) {
      pr.response.remove('content-length');
      if (replacement !== undefined && !this.filtersBody) {
        pr.response.headerList.push('Content-Length', String(replacement.length));
      }
    }
    return pr.response.status;
  }

  body(chunk: Buffer, last: boolean): Buffer {
    const { pr } = this;
    const c = pr.chains;
    let out = chunk;
    if (c.global.bodyFilter.length > 0) {
      out = runBodyFilter(c.global.bodyFilter, pr, out, last, this.#logger, skipPreferRoute(c));
    }
    if (c.route.bodyFilter.length > 0) {
      out = runBodyFilter(c.route.bodyFilter, pr, out, last, this.#logger);
    }
    return out;
  }

  upstream(addr: string, status: number, latencyMs: number): void {
    this.pr.upstreamAddr = addr;
    this.pr.upstreamStatus = status;
    this.pr.upstreamLatencyMs = latencyMs;
  }

  end(status: number, bytesSent: number): void {
    if (this.#ended) return;
    this.#ended = true;
    const { pr } = this;
    const c = pr.chains;
    pr.response.status = status;
    pr.response.bytesSent = bytesSent;
    if (c.global.log.length > 0) {
      runNotifyPhase(c.global.log, 'log', pr, this.#logger, skipPreferRoute(c));
    }
    if (c.route.log.length > 0) runNotifyPhase(c.route.log, 'log', pr, this.#logger);
  }
}

/**
 * Sends a response the gateway made (a phase's return, an error page, the 404) through the
 * response-side phases: header_filter may change it, body_filter sees the body as one last
 * chunk, then the log phase runs.
 */
export function sendThroughPhases(
  res: ServerResponse,
  phases: ExchangeObserver,
  status: number,
  headers: string[],
  body: Buffer,
  server: string,
): void {
  let sent: number;
  let out: Buffer;
  try {
    sent = phases.head(status, headers);
    out = phases.replacement ?? body;
    if (phases.filtersBody) out = phases.body(out, true);
    removeFlatHeader(headers, 'content-length');
    headers.push('Content-Length', String(out.length), 'Server', server);
    writeHeadSafely(res, sent, headers);
  } catch {
    // A plugin made a head node cannot write (a status outside 100-999): nginx's 500 instead,
    // not an exception that would end the worker.
    sent = 500;
    out = errorPage(500);
    res.writeHead(500, [
      'Content-Type',
      HTML,
      'Content-Length',
      String(out.length),
      'Server',
      server,
    ]);
  }
  res.end(out);
  phases.end(sent, out.length);
}

/** A phase's response as status, headers and bytes (spec §0.4 / §1.8). */
export function pluginResponseParts(out: PluginResponse): { headers: string[]; body: Buffer } {
  const headers: string[] = [];
  let body: Buffer;
  if (out.body === undefined) {
    body = errorPage(out.status);
    headers.push('Content-Type', HTML);
  } else {
    body =
      typeof out.body === 'string'
        ? Buffer.from(out.body)
        : Buffer.isBuffer(out.body)
          ? out.body
          : Buffer.from(JSON.stringify(out.body) + '\n');
    headers.push('Content-Type', TEXT);
  }
  if (out.headers !== undefined) {
    for (const [name, value] of Object.entries(out.headers)) {
      if (name.toLowerCase() === 'content-type') removeFlatHeader(headers, 'content-type');
      const given = value as unknown;
      if (typeof given === 'string') headers.push(name, given);
      else if (Array.isArray(given)) for (const v of given) headers.push(name, `${v}`);
      // A serverless function's number, as APISIX's tostring; nil leaves the header out.
      else if (typeof given === 'number' || typeof given === 'boolean') {
        headers.push(name, String(given));
      }
    }
  }
  return { headers, body };
}
