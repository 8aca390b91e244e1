import type { ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';
import type { Outcome } from '../plugin/runner.js';
import { PluginPhases, pluginResponseParts, sendThroughPhases } from './plugin-phases.js';
import type { PluginRequest } from './plugin-request.js';

/**
 * How the proxy answers a request whose pre-forwarding phases (rewrite, access, before_proxy)
 * ended it, or go on: a response a phase returned goes out through the response-side phases; a
 * phase that threw is a 500; a body a plugin read past client_max_body_size is a 413; a client
 * that left, or a body read that hit client_body_timeout, leaves only the log phase.
 */
export class PhaseAnswers {
  readonly #logger: Logger;
  /** The Server header value. */
  readonly #server: string;

  constructor(logger: Logger, server: string) {
    this.#logger = logger;
    this.#server = server;
  }

  /** Continues with `next` when no phase ended the request, now or once it settled. */
  then(
    out: Outcome | Promise<Outcome>,
    res: ServerResponse,
    pr: PluginRequest,
    next: () => void,
  ): void {
    if (out === undefined) {
      next();
      return;
    }
    if (!(out instanceof Promise)) {
      this.answer(res, pr, out);
      return;
    }
    out.then(
      (settled) => {
        if (res.destroyed || pr.bodyTimedOut) {
          this.#gone(pr);
          return;
        }
        if (pr.bodyTooLarge) this.#tooLarge(res, pr);
        else if (settled === undefined) next();
        else this.answer(res, pr, settled);
      },
      (err: unknown) => {
        if (pr.bodyTimedOut) {
          this.#gone(pr);
          return;
        }
        this.#logger.error({ err }, 'plugin phase failed');
        this.answer(res, pr, { status: 500 });
      },
    );
  }

  /** A response a phase returned (or the gateway made), through the response-side phases. */
  answer(res: ServerResponse, pr: PluginRequest, out: { status: number } & Outcome): void {
    let parts: { headers: string[]; body: Buffer };
    let status = out.status;
    try {
      parts = pluginResponseParts(out);
    } catch (err) {
      // A body JSON cannot encode (a cycle, a BigInt): as a phase that threw, a 500.
      this.#logger.error({ err }, 'plugin response unusable');
      status = 500;
      parts = pluginResponseParts({ status });
    }
    const phases = new PluginPhases(pr, this.#logger);
    sendThroughPhases(res, phases, status, parts.headers, parts.body, this.#server);
  }

  /**
   * The client left while a phase ran (499), or a plugin's body read hit client_body_timeout and
   * the connection was closed with no answer (nginx logs 408): only the log phase is left.
   */
  #gone(pr: PluginRequest): void {
    new PluginPhases(pr, this.#logger).end(pr.bodyTimedOut ? 408 : 499, 0);
  }

  /** A plugin read a body past client_max_body_size: nginx's 413, then the connection closes. */
  #tooLarge(res: ServerResponse, pr: PluginRequest): void {
    res.shouldKeepAlive = false;
    this.answer(res, pr, { status: 413 });
    pr.req.resume();
  }
}
