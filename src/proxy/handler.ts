import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { DataPlaneState } from '../snapshot/state.js';
import type { RuntimeUpstream } from '../upstream/runtime.js';
import { timeoutMs } from '../upstream/settings.js';
import { RealIp, type Peer } from './client-address.js';
import { admit, type ConsumerMerge } from '../plugin/admission.js';
import { runStopPhase, skipPreferRoute, type Outcome } from '../plugin/runner.js';
import type { PluginEnv } from '../plugin/types.js';
import { answerClientError, refuseConnect } from './client-errors.js';
import { ROUTE_NOT_FOUND_BODY, sendErrorPage, sendRouteNotFound, TEXT } from './error-pages.js';
import { holdContinue } from './expect-continue.js';
import { Exchange, type ExchangeShared } from './exchange.js';
import type { ProxyOptions } from './options.js';
import { PhaseAnswers } from './phase-answers.js';
import { PluginPhases, sendThroughPhases } from './plugin-phases.js';
import { PluginRequest } from './plugin-request.js';
import { upstreamHeaders } from './request-headers.js';
import { requestTarget } from './request-target.js';
import { RequestFacts } from './request-vars.js';
import { proxyWebSocket, refuseUpgrade } from './websocket.js';
import { EMPTY_CHAIN as EMPTY_ROUTE_CHAIN } from '../plugin/chain.js';

/** A WebSocket handshake's socket and first bytes, kept until it is admitted. */
interface Upgrade {
  readonly socket: Duplex;
  readonly head: Buffer;
}

/** Where `#prePhases` is in the phases before forwarding, in order. */
const ADMISSION = 0;
const GLOBAL_BEFORE_PROXY = 1;
const ROUTE_BEFORE_PROXY = 2;

export interface ProxyHandler {
  /** node:http / node:https `request` listener (bound: pass it as is). */
  readonly onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /** node:http / node:https `upgrade` listener. */
  readonly onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** node:http `checkContinue` listener: "100 Continue" once the body is read (expect-continue.ts). */
  readonly onCheckContinue: (req: IncomingMessage, res: ServerResponse) => void;
  /** node:http `connect` listener: CONNECT is answered 405, as nginx does. */
  readonly onConnect: (req: IncomingMessage, socket: Duplex) => void;
  /** node:http `clientError` listener: nginx's status and page for a request that does not parse. */
  readonly onClientError: (err: Error, socket: Duplex) => void;
  /** Waits for in-flight exchanges to end (after the listeners stopped accepting). */
  readonly close: () => Promise<void>;
}

/**
 * The HTTP data path (DESIGN.md "Data plane"): client address → `$uri` → route match → plugin
 * phases → upstream pick → undici → response, streamed both ways.
 *
 * @example
 *   const proxy = createProxyHandler(state, { version: '3.14.0', logger });
 *   const server = http.createServer(proxy.onRequest).on('upgrade', proxy.onUpgrade);
 */
export function createProxyHandler(
  state: DataPlaneState<RuntimeUpstream>,
  opts: ProxyOptions,
): ProxyHandler {
  return new Proxy_(state, opts).handler;
}

class Proxy_ {
  readonly handler: ProxyHandler;
  readonly #state: DataPlaneState<RuntimeUpstream>;
  readonly #realIp: RealIp;
  readonly #server: string;
  readonly #env: PluginEnv | undefined;
  /** The state's consumer merge, bound once. */
  readonly #merge: ConsumerMerge;
  readonly #shared: ExchangeShared;
  /** How a request a plugin phase ended is answered. */
  readonly #answers: PhaseAnswers;
  readonly #opts: ProxyOptions;
  #inflight = 0;
  #idle: (() => void) | undefined;

  constructor(state: DataPlaneState<RuntimeUpstream>, opts: ProxyOptions) {
    this.#state = state;
    this.#opts = opts;
    this.#realIp = new RealIp(
      {
        header: opts.realIpHeader ?? 'X-Real-IP',
        from: opts.realIpFrom ?? [],
        recursive: opts.realIpRecursive === true,
      },
      opts.trustedAddresses ?? [],
    );
    this.#server = opts.serverTokens === false ? 'Gatehouse' : `Gatehouse/${opts.version}`;
    this.#env = opts.pluginEnv;
    this.#merge = (route, consumer) => state.mergeConsumer(route, consumer);
    this.#shared = {
      server: this.#server,
      showUpstreamStatus: opts.showUpstreamStatus === true,
      maxBody: opts.clientMaxBodySize ?? 0,
      bodyTimeoutMs: opts.clientBodyTimeoutMs ?? 0,
      sendTimeoutMs: opts.sendTimeoutMs ?? 0,
      onFinished: () => this.#finished(),
    };
    this.#answers = new PhaseAnswers(opts.logger, this.#server);
    this.handler = {
      onRequest: (req, res) => this.#onRequest(req, res),
      onUpgrade: (req, socket, head) => this.#onUpgrade(req, socket, head),
      onCheckContinue: (req, res) => {
        holdContinue(req, res);
        this.#onRequest(req, res);
      },
      onConnect: (_req, socket) => refuseConnect(socket, this.#server),
      onClientError: (err, socket) => answerClientError(err, socket, this.#server),
      close: () => this.#close(),
    };
  }

  /**
   * Everything before forwarding: matching, the route's own failures, the body size, then the
   * plugins' rewrite, access and before_proxy phases. Goes on to `#proceed` with the composed
   * route and a usable upstream (at once, or after a plugin awaited), or answers the request
   * itself. `upgrade` is set for a WebSocket handshake.
   */
  #admit(req: IncomingMessage, res: ServerResponse, peer: Peer, upgrade?: Upgrade): void {
    const target = requestTarget(req);
    if (typeof target === 'number') {
      // nginx refuses a head before it knows the connection may stay open: it closes it.
      res.shouldKeepAlive = false;
      sendErrorPage(res, target, this.#server);
      return;
    }
    const maxBody = this.#shared.maxBody;
    if (maxBody > 0) {
      const length = req.headers['content-length'];
      if (length !== undefined && Number(length) > maxBody) {
        // nginx checks the length as it picks the location, before any phase and whether a
        // route matches or not; it closes after the 413 rather than read a body it refused.
        res.shouldKeepAlive = false;
        sendErrorPage(res, 413, this.#server);
        return;
      }
    }
    const facts = new RequestFacts(
      req,
      target.path,
      target.host,
      this.#realIp.clientAddress(req, peer),
      peer.scheme,
    );
    const route = this.#state.matchRoute(facts);
    const env = this.#env;
    const global = env === undefined ? undefined : this.#state.globalChain();
    if (route === undefined) {
      if (global === undefined || global.empty) sendRouteNotFound(res, this.#server);
      else this.#globalOnly(req, res, facts, env!);
      return;
    }
    if (route.failure !== undefined) {
      this.#opts.logger.error({ route: route.id, reason: route.failure.reason }, 'route unusable');
      sendErrorPage(res, route.failure.status, this.#server);
      return;
    }
    facts.route = route;
    if (global === undefined || (global.empty && route.chain.empty)) {
      if (route.upstream!.empty) {
        sendErrorPage(res, 503, this.#server);
        return;
      }
      this.#proceed(req, res, facts, peer, undefined, upgrade);
      return;
    }
    const chains = { global, route: route.chain };
    const consumers = this.#state.consumers;
    const pr = new PluginRequest(req, facts, route, chains, env!, consumers, this.#shared);
    this.#prePhases(req, res, peer, upgrade, pr, ADMISSION);
  }

  /**
   * The phases before forwarding of a request with plugins, from `stage` on: rewrite and access
   * (`admit`), the 503 of an upstream without nodes, before_proxy of the global rules, then of
   * the route. Synchronous (no closure, no promise) while every hook is; after a hook that
   * awaited, the walk resumes at the next stage once it settled.
   */
  #prePhases(
    req: IncomingMessage,
    res: ServerResponse,
    peer: Peer,
    upgrade: Upgrade | undefined,
    pr: PluginRequest,
    stage: number,
  ): void {
    const c = pr.chains;
    const logger = this.#opts.logger;
    for (; stage <= ROUTE_BEFORE_PROXY; stage++) {
      let out: Outcome | Promise<Outcome>;
      if (stage === ADMISSION) {
        out = admit(c, pr, this.#merge, logger);
      } else if (stage === GLOBAL_BEFORE_PROXY) {
        if (pr.facts.route!.upstream!.empty) {
          this.#answers.answer(res, pr, { status: 503 });
          return;
        }
        out =
          c.global.beforeProxy.length === 0
            ? undefined
            : runStopPhase(c.global.beforeProxy, 'beforeProxy', pr, logger, skipPreferRoute(c));
      } else {
        out =
          c.route.beforeProxy.length === 0
            ? undefined
            : runStopPhase(c.route.beforeProxy, 'beforeProxy', pr, logger);
      }
      if (out !== undefined) {
        const next = stage + 1;
        this.#answers.then(out, res, pr, () => this.#prePhases(req, res, peer, upgrade, pr, next));
        return;
      }
    }
    this.#proceed(req, res, pr.facts, peer, pr, upgrade);
  }

  /** No route matched: the global rules still run (rewrite, access), then the 404. */
  #globalOnly(
    req: IncomingMessage,
    res: ServerResponse,
    facts: RequestFacts,
    env: PluginEnv,
  ): void {
    const chains = { global: this.#state.globalChain(), route: EMPTY_ROUTE_CHAIN };
    const pr = new PluginRequest(
      req,
      facts,
      undefined,
      chains,
      env,
      this.#state.consumers,
      this.#shared,
    );
    this.#answers.then(
      admit(pr.chains, pr, (c) => c, this.#opts.logger),
      res,
      pr,
      () => {
        const headers = ['Content-Type', TEXT];
        const phases = new PluginPhases(pr, this.#opts.logger);
        sendThroughPhases(res, phases, 404, headers, ROUTE_NOT_FOUND_BODY, this.#server);
      },
    );
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.#admit(req, res, this.#realIp.peer(req));
  }

  /** Admitted: forwarded, or for a WebSocket handshake on a route that allows it, upgraded. */
  #proceed(
    req: IncomingMessage,
    res: ServerResponse,
    facts: RequestFacts,
    peer: Peer,
    pr: PluginRequest | undefined,
    upgrade: Upgrade | undefined,
  ): void {
    const route = facts.route!;
    if (upgrade === undefined || !route.enableWebsocket) {
      // A handshake to a route without WebSocket is, as nginx without `Upgrade` passed on, an
      // ordinary request answered on its socket.
      this.#forward(req, res, facts, peer, pr);
      return;
    }
    if (pr !== undefined) {
      // The log phase of a WebSocket runs when the connection ends (limit-conn gives its
      // slot back then, loggers see the session).
      const phases = new PluginPhases(pr, this.#opts.logger);
      upgrade.socket.once('close', () => phases.end(101, 0));
    }
    const upstream = route.upstream!;
    const clientAddr = pr === undefined ? facts.remoteAddr : pr.clientIp;
    proxyWebSocket(req, upgrade.socket, upgrade.head, {
      facts,
      upstream,
      peer,
      clientAddr,
      trusted: this.#realIp.trusted(clientAddr, peer),
      server: this.#server,
      edits: pr?.edits(),
      hashKey: upstream.chashKey(pr ?? facts, clientAddr),
    });
  }

  #forward(
    req: IncomingMessage,
    res: ServerResponse,
    facts: RequestFacts,
    peer: Peer,
    pr: PluginRequest | undefined,
  ): void {
    const route = facts.route!;
    const upstream = route.upstream!;
    const clientAddr = pr === undefined ? facts.remoteAddr : pr.clientIp;
    const trusted = this.#realIp.trusted(clientAddr, peer);
    const edits = pr?.edits();
    const headers = upstreamHeaders(req, clientAddr, peer, trusted, edits?.headers);
    const timeouts =
      route.timeout === undefined ? upstream.settings.timeout : timeoutMs(route.timeout)!;
    const hashKey = upstream.chashKey(pr ?? facts, clientAddr);
    this.#inflight++;
    if (pr === undefined || edits === undefined) {
      new Exchange(req, res, upstream, headers, timeouts, hashKey, this.#shared).start();
      return;
    }
    const observer = new PluginPhases(pr, this.#opts.logger);
    const plugins = { edits, observer };
    new Exchange(req, res, upstream, headers, timeouts, hashKey, this.#shared, plugins).start();
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const res = refuseUpgrade(req, socket);
    this.#admit(req, res, this.#realIp.peer(req), { socket, head });
  }

  #finished(): void {
    this.#inflight--;
    if (this.#inflight === 0) this.#idle?.();
  }

  #close(): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#idle = resolve));
  }
}
