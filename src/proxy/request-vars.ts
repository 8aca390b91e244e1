import type { IncomingMessage } from 'node:http';
import type { MatchRequest, RequestVars, ResolvedRoute, RouteParams } from '../snapshot/types.js';
import type { RuntimeUpstream } from '../upstream/runtime.js';

/**
 * One request as the router and plugins read it: the match inputs, and nginx-style variables
 * computed only when read (route `vars`, chash keys, plugins), since most requests read none.
 * One object per request serves as both, so matching allocates nothing more.
 */
export class RequestFacts implements MatchRequest, RequestVars {
  readonly #req: IncomingMessage;
  readonly method: string;
  /** `$uri`: decoded and normalised. */
  readonly path: string;
  readonly host: string;
  readonly rawHost: string;
  readonly remoteAddr: string;
  readonly scheme: string;
  readonly vars: RequestVars = this;
  /** Set once matched: the composed route, and a parameter route's captures. */
  route: ResolvedRoute<RuntimeUpstream> | undefined = undefined;
  params: RouteParams | undefined = undefined;
  #query: URLSearchParams | undefined;
  #cookies: Map<string, string> | undefined;

  constructor(
    req: IncomingMessage,
    path: string,
    rawHost: string,
    remoteAddr: string,
    scheme: string,
  ) {
    this.#req = req;
    this.method = req.method ?? 'GET';
    this.path = path;
    this.rawHost = rawHost;
    this.host = hostOf(rawHost);
    this.remoteAddr = remoteAddr;
    this.scheme = scheme;
  }

  get(name: string): string | undefined {
    const req = this.#req;
    switch (name) {
      case 'uri':
        return this.path;
      case 'host':
        return this.host;
      case 'remote_addr':
        return this.remoteAddr;
      case 'scheme':
        return this.scheme;
      case 'request_method':
        return req.method;
      case 'request_uri': {
        // APISIX rewrites request_uri as the normalised $uri plus the arguments.
        const url = req.url ?? '';
        const q = url.indexOf('?');
        return q < 0 ? this.path : this.path + url.slice(q);
      }
      case 'real_request_uri':
        return req.url;
      case 'query_string':
      case 'args': {
        const url = req.url ?? '';
        const q = url.indexOf('?');
        return q < 0 ? undefined : url.slice(q + 1);
      }
      case 'server_port':
        return String(req.socket.localPort ?? '');
      case 'server_addr':
        return req.socket.localAddress;
      case 'remote_port':
        return String(req.socket.remotePort ?? '');
      case 'http_host':
        return req.headers.host;
    }
    if (name.startsWith('http_')) return this.#header(name.slice(5).replaceAll('_', '-'));
    if (name.startsWith('arg_')) return this.#arg(name.slice(4));
    if (name.startsWith('cookie_')) return this.#cookie(name.slice(7));
    return undefined;
  }

  #header(name: string): string | undefined {
    const v = this.#req.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  #arg(name: string): string | undefined {
    if (this.#query === undefined) {
      const url = this.#req.url ?? '';
      const q = url.indexOf('?');
      this.#query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    }
    return this.#query.get(name) ?? undefined;
  }

  #cookie(name: string): string | undefined {
    if (this.#cookies === undefined) {
      this.#cookies = new Map();
      for (const part of (this.#req.headers.cookie ?? '').split(';')) {
        const eq = part.indexOf('=');
        if (eq > 0) this.#cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
      }
    }
    return this.#cookies.get(name);
  }
}

/** `$host`: the Host header lower-cased without its port (IPv6 keeps its brackets). */
export function hostOf(rawHost: string): string {
  let end = rawHost.length;
  const colon = rawHost.lastIndexOf(':');
  if (colon >= 0 && rawHost.indexOf(']', colon) < 0) end = colon;
  return rawHost.slice(0, end).toLowerCase();
}
