/**
 * What bench/plugin-inprocess.ts and bench/plugin-counted.ts share: bench/plugin-cost.sh's five
 * routes behind the proxy handler on a real node:http server, an upstream answering `ok`, and raw
 * keep-alive clients, all in this process and thread, on loopback.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { silentLogger } from '../src/core/logger.js';
import { createProxyHandler } from '../src/proxy/handler.js';
import { DataPlaneState } from '../src/snapshot/state.js';
import { DnsCache } from '../src/upstream/resolve.js';
import { runtimeUpstreamFactory } from '../src/upstream/runtime.js';
import { pluginBenchEnv } from './plugin-bench-env.js';

export const ROUTES = ['none', 'all', 'key-auth', 'limit-count', 'prometheus'] as const;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Starts the upstream and the gateway; resolves to the gateway's port. */
export async function startInProcessGateway(): Promise<number> {
  const logger = silentLogger();
  const upstreamPort = await listen(
    createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '3' });
      res.end('ok\n');
    }),
  );
  const { env, registry, builder } = await pluginBenchEnv('plugin-inprocess', logger);
  const state = new DataPlaneState({
    prefix: '/apisix',
    routerKind: 'radixtree_host_uri',
    plugins: () => registry,
    chains: () => builder,
    logger,
    upstreams: runtimeUpstreamFactory({ dns: new DnsCache(), logger }),
  });
  const KA = { 'key-auth': {} };
  const LC = { 'limit-count': { count: 1_000_000_000, time_window: 3600, rejected_code: 503 } };
  const PR = { prometheus: {} };
  const pluginsOf: Record<(typeof ROUTES)[number], Record<string, unknown>> = {
    none: {},
    all: { ...KA, ...LC, ...PR },
    'key-auth': KA,
    'limit-count': LC,
    prometheus: PR,
  };
  const upstream = { type: 'roundrobin', nodes: { [`127.0.0.1:${upstreamPort}`]: 1 } };
  const items = [
    {
      key: '/apisix/consumers/bench',
      value: { username: 'bench', plugins: { 'key-auth': { key: 'bench-key' } } },
    },
    ...Object.entries(pluginsOf).map(([name, plugins]) => ({
      key: `/apisix/routes/${name}`,
      value: { uri: `/${name}`, plugins, upstream },
    })),
  ].map((item, i) => ({
    key: item.key,
    value: JSON.stringify(item.value),
    createRevision: i + 2,
    modRevision: i + 2,
    lease: 0,
  }));
  state.reset(items, items.length + 1);
  const proxy = createProxyHandler(state, { version: '0.0.0', logger, pluginEnv: env });
  return listen(createServer({ keepAliveTimeout: 60_000 }, proxy.onRequest));
}

/** When a Client sends: `send` is asked before each request, `completed` told after each response. */
export interface Pacer {
  send(): boolean;
  completed(): void;
}

const ALWAYS: Pacer = { send: () => true, completed: () => undefined };
const NEVER: Pacer = { send: () => false, completed: () => undefined };

/** A keep-alive connection that sends the next request as soon as a response completed. */
export class Client {
  readonly #socket: Socket;
  readonly #port: number;
  #request: Buffer = Buffer.alloc(0);
  #pending = '';
  #pacer = NEVER;
  done = 0;
  constructor(port: number) {
    this.#port = port;
    this.#socket = connect(port, '127.0.0.1');
    this.#socket.setEncoding('latin1');
    this.#socket.on('data', (chunk: string) => {
      this.#pending += chunk;
      // Every response ends with the upstream's body, "ok\n".
      let at: number;
      while ((at = this.#pending.indexOf('\r\n\r\nok\n')) !== -1) {
        this.#pending = this.#pending.slice(at + 7);
        this.done++;
        this.#pacer.completed();
        if (this.#pacer.send()) this.#socket.write(this.#request);
      }
    });
  }
  /** Starts sending requests for `route`, one at a time, while `pacer` allows (default: always). */
  start(route: string, pacer: Pacer = ALWAYS): void {
    this.#request = Buffer.from(
      `GET /${route} HTTP/1.1\r\nHost: 127.0.0.1:${this.#port}\r\napikey: bench-key\r\n\r\n`,
    );
    this.#pacer = pacer;
    if (pacer.send()) this.#socket.write(this.#request);
  }
  /** Stops after the response in flight. */
  stop(): void {
    this.#pacer = NEVER;
  }
}
