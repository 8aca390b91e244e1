import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { DataPlaneState } from '../snapshot/state.js';
import type { RuntimeUpstream } from '../upstream/runtime.js';
import { timeoutMs } from '../upstream/settings.js';
import { RealIp, type Peer } from './client-address.js';
import { sendErrorPage, sendRouteNotFound } from './error-pages.js';
import { Exchange, type ExchangeShared } from './exchange.js';
import { normalizePath } from './normalize-path.js';
import type { ProxyOptions } from './options.js';
import { NO_PHASES, type PhaseRunner } from './phases.js';
import { upstreamHeaders } from './request-headers.js';
import { RequestFacts } from './request-vars.js';
import { proxyWebSocket, refuseUpgrade } from './websocket.js';

/** A WebSocket handshake that passed matching and the pre-proxy checks. */
export interface Admitted {
  readonly facts: RequestFacts;
  readonly upstream: RuntimeUpstream;
  readonly peer: Peer;
  /** The client is in `apisix.trusted_addresses`. */
  readonly trusted: boolean;
  /** The Server header value. */
  readonly server: string;
}

export interface ProxyHandler {
  /** node:http / node:https `request` listener (bound: pass it as is). */
  readonly onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /** node:http / node:https `upgrade` listener. */
  readonly onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
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
  readonly #maxBody: number;
  readonly #phases: PhaseRunner;
  readonly #shared: ExchangeShared;
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
    this.#maxBody = opts.clientMaxBodySize ?? 0;
    this.#phases = opts.phases ?? NO_PHASES;
    this.#shared = {
      server: this.#server,
      showUpstreamStatus: opts.showUpstreamStatus === true,
      maxBody: this.#maxBody,
      onFinished: () => this.#finished(),
    };
    this.handler = {
      onRequest: (req, res) => this.#onRequest(req, res),
      onUpgrade: (req, socket, head) => this.#onUpgrade(req, socket, head),
      close: () => this.#close(),
    };
  }

  /**
   * Everything before forwarding: the composed route with a usable upstream, or undefined when a
   * response was already sent. `facts` is filled in for the caller (no result object per request).
   */
  #admit(req: IncomingMessage, res: ServerResponse, peer: Peer): RequestFacts | undefined {
    const path = normalizePath(req.url ?? '/');
    if (path === undefined) {
      sendErrorPage(res, 400, this.#server);
      return undefined;
    }
    const facts = new RequestFacts(
      req,
      path,
      req.headers.host ?? '',
      this.#realIp.clientAddress(req, peer),
      peer.scheme,
    );
    const route = this.#state.matchRoute(facts);
    if (route === undefined) {
      sendRouteNotFound(res, this.#server);
      return undefined;
    }
    if (route.failure !== undefined) {
      this.#opts.logger.error({ route: route.id, reason: route.failure.reason }, 'route unusable');
      sendErrorPage(res, route.failure.status, this.#server);
      return undefined;
    }
    if (this.#maxBody > 0) {
      const length = req.headers['content-length'];
      if (length !== undefined && Number(length) > this.#maxBody) {
        sendErrorPage(res, 413, this.#server);
        return undefined;
      }
    }
    // Plugin seam: global rules and route plugins, rewrite then access (spec §10). The runner
    // is skipped entirely while no plugin is configured on the route.
    if (this.#phases !== NO_PHASES && this.#runPhases(req, res, route.plugins)) return undefined;
    if (route.upstream!.empty) {
      sendErrorPage(res, 503, this.#server);
      return undefined;
    }
    facts.route = route;
    return facts;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const peer = this.#realIp.peer(req);
    const facts = this.#admit(req, res, peer);
    if (facts === undefined) return;
    this.#forward(req, res, facts, peer);
  }

  #forward(req: IncomingMessage, res: ServerResponse, facts: RequestFacts, peer: Peer): void {
    const route = facts.route!;
    const upstream = route.upstream!;
    const headers = upstreamHeaders(
      req,
      facts.remoteAddr,
      peer,
      this.#realIp.trusted(facts.remoteAddr, peer),
    );
    const timeouts =
      route.timeout === undefined ? upstream.settings.timeout : timeoutMs(route.timeout)!;
    const hashKey =
      upstream.hashKey === undefined ? undefined : (upstream.hashKey(facts) ?? facts.remoteAddr);
    this.#inflight++;
    new Exchange(req, res, upstream, headers, timeouts, hashKey, this.#shared).start();
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const res = refuseUpgrade(req, socket);
    const peer = this.#realIp.peer(req);
    const facts = this.#admit(req, res, peer);
    if (facts === undefined) return;
    const route = facts.route!;
    if (!route.enableWebsocket) {
      // As nginx without `Upgrade` passed on: an ordinary request, answered on this socket.
      this.#forward(req, res, facts, peer);
      return;
    }
    proxyWebSocket(req, socket, head, {
      facts,
      upstream: route.upstream!,
      peer,
      trusted: this.#realIp.trusted(facts.remoteAddr, peer),
      server: this.#server,
    });
  }

  #runPhases(
    req: IncomingMessage,
    res: ServerResponse,
    plugins: Readonly<Record<string, unknown>>,
  ): boolean {
    const ctx = { req, res, plugins };
    const stop = this.#phases.rewrite(ctx) ?? this.#phases.access(ctx);
    if (stop === undefined) return false;
    const body =
      stop.body === undefined || typeof stop.body === 'string' || Buffer.isBuffer(stop.body)
        ? stop.body
        : JSON.stringify(stop.body) + '\n';
    res.writeHead(stop.status, { ...stop.headers, Server: this.#server });
    res.end(body);
    return true;
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
