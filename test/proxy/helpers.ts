import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { KeyValue } from '../../src/core/kv.js';
import { silentLogger } from '../../src/core/logger.js';
import { HttpListeners } from '../../src/gateway/listeners.js';
import { PluginRegistry } from '../../src/plugin/registry.js';
import { createProxyHandler, type ProxyHandler } from '../../src/proxy/handler.js';
import type { ProxyOptions } from '../../src/proxy/options.js';
import { DataPlaneState } from '../../src/snapshot/state.js';
import { DnsCache } from '../../src/upstream/resolve.js';
import { runtimeUpstreamFactory, type RuntimeUpstream } from '../../src/upstream/runtime.js';
import { freePort } from '../support/free-port.js';

export const PREFIX = '/apisix';

/** A state as a worker builds it, with the real upstream runtime. */
export function newState(): DataPlaneState<RuntimeUpstream> {
  const logger = silentLogger();
  return new DataPlaneState({
    prefix: PREFIX,
    routerKind: 'radixtree_host_uri',
    plugins: () => new PluginRegistry([], []),
    logger,
    upstreams: runtimeUpstreamFactory({ dns: new DnsCache(), logger }),
  });
}

/** Feeds a state the way the primary does: reset once, then one event batch per write. */
export class Feed {
  readonly state: DataPlaneState<RuntimeUpstream>;
  #rev = 1;

  constructor(state: DataPlaneState<RuntimeUpstream>) {
    this.state = state;
    state.reset([], 1);
  }

  kv(path: string, value: unknown): KeyValue {
    const rev = ++this.#rev;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return {
      key: `${PREFIX}/${path}`,
      value: text,
      createRevision: rev,
      modRevision: rev,
      lease: 0,
    };
  }

  put(path: string, value: unknown): void {
    const kv = this.kv(path, value);
    this.state.apply(kv.modRevision, [{ type: 'put', kv }]);
  }

  delete(path: string): void {
    const rev = ++this.#rev;
    this.state.apply(rev, [{ type: 'delete', key: `${PREFIX}/${path}`, modRevision: rev }]);
  }
}

export interface Listening {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export async function listen(server: Server): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** A route's upstream: one round-robin node on loopback at `port`. */
export function loopbackUpstream(port: number): { type: string; nodes: Record<string, number> } {
  return { type: 'roundrobin', nodes: { [`127.0.0.1:${port}`]: 1 } };
}

/** An upstream server on port 0 running `handler`. */
export function upstream(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Listening> {
  return listen(createServer({ keepAliveTimeout: 60_000 }, handler));
}

/** Answers with what it received, as JSON: method, url, headers, body length. */
export function echoUpstream(name = 'echo'): Promise<Listening> {
  return upstream((req, res) => {
    let size = 0;
    req.on('data', (c: Buffer) => (size += c.length));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, size }),
      );
    });
  });
}

export interface Gateway extends Listening {
  readonly feed: Feed;
  readonly handler: ProxyHandler;
  readonly url: string;
}

/** The proxy handler on a node:http server on port 0, over a fresh state. */
export async function gateway(opts: Partial<ProxyOptions> = {}): Promise<Gateway> {
  const feed = new Feed(newState());
  const handler = createProxyHandler(feed.state, {
    version: '3.14.0',
    logger: silentLogger(),
    ...opts,
  });
  const server = createServer(handler.onRequest).on('upgrade', handler.onUpgrade);
  const l = await listen(server);
  return {
    ...l,
    feed,
    handler,
    url: `http://127.0.0.1:${l.port}`,
    close: async () => {
      await l.close();
      feed.state.close();
    },
  };
}

/**
 * The proxy handler on the gateway's own listeners (HttpListeners: nginx's head limits, Expect,
 * connection rules), on port 0, over a fresh state.
 */
export async function listenersGateway(
  opts: Partial<ProxyOptions> = {},
): Promise<Omit<Gateway, 'server'>> {
  const feed = new Feed(newState());
  const handler = createProxyHandler(feed.state, {
    version: '3.14.0',
    logger: silentLogger(),
    ...opts,
  });
  const listeners = new HttpListeners([{ ip: '127.0.0.1', port: 0 }], handler);
  await listeners.listen();
  const port = listeners.ports()[0]!;
  return {
    port,
    feed,
    handler,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await listeners.drain(0);
      feed.state.close();
    },
  };
}

export interface Reply {
  status: number;
  /** The status line's reason phrase (set by `send`). */
  reason?: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One request with node:http (no keep-alive), body collected. */
export function send(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string | string[]>;
    body?: string | Buffer;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // The path goes as written: URL parsing would resolve dot segments before they are sent.
    const { hostname, port, origin } = new URL(url);
    const path = url.slice(origin.length) || '/';
    const req = request(
      { hostname, port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * Writes `raw` on a fresh connection to `port`; resolves with everything read until the server
 * closes (for what node's client would refuse to send, and for answers that must close).
 */
export function rawExchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('close', () => resolve(text));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' && text !== '' ? resolve(text) : reject(err),
    );
    socket.write(raw);
  });
}

/**
 * A port nothing listens on, for the whole test: freePort's, which no listen(0) or connection of
 * a test running meanwhile can be given (one bound then closed here could be, and then answer).
 */
export const deadPort = freePort;

export const json = (r: Reply): Record<string, unknown> =>
  JSON.parse(r.body) as Record<string, unknown>;
