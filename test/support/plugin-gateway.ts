/**
 * A real Gatehouse for plugin tests: `gatehouse start` as a child process on the embedded store
 * in a temporary directory, every listener on a free loopback port, plus an upstream that echoes
 * what it received. Writes go through the Admin API with `?wait_applied=5`, so a test writes
 * then sends traffic with no sleep.
 *
 * @example
 *   const gw = await startTestGateway();
 *   await gw.put('/routes/1', { uri: '/hello', plugins: { echo: {} }, upstream: gw.upstream });
 *   const reply = await gw.request('/hello');
 *   await gw.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  httpCall,
  startOnFreePorts,
  writeConfig,
  type HttpReply,
  type Ports,
  type Spawned,
} from './gatehouse-process.js';

export type { HttpReply };

export const TEST_ADMIN_KEY = 'plugintests'.repeat(3);

/** What the echo upstream received for one request. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface EchoUpstream {
  readonly port: number;
  /** The upstream object to put in a route: `{ type: 'roundrobin', nodes: { '127.0.0.1:P': 1 } }`. */
  readonly upstream: Record<string, unknown>;
  /** Requests received, oldest first. */
  readonly received: Received[];
  close(): Promise<void>;
}

/**
 * An upstream that answers 200 with a JSON echo of the request
 * (`{method, url, headers, body}`) and header `X-Upstream: echo`.
 */
export async function startEchoUpstream(): Promise<EchoUpstream> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      received.push(seen);
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'echo' });
      res.end(JSON.stringify(seen));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    upstream: { type: 'roundrobin', nodes: { [`127.0.0.1:${port}`]: 1 } },
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TestGatewayOptions {
  /** nginx_config.worker_processes; default 1. */
  workers?: number;
  /** Lines under `plugin_attr:`, indented two spaces (default: prometheus export server off). */
  pluginAttr?: readonly string[];
  /** More top-level config.yaml lines, e.g. `['plugins:', '  - key-auth']`. */
  extra?: readonly string[];
  /** `gatehouse.plugin_dir`: a directory of custom plugins. */
  pluginDir?: string;
  /** Lines under `nginx_config.http:`, e.g. `['client_max_body_size: 1k']`. */
  nginxHttp?: readonly string[];
}

export interface TestGateway {
  readonly ports: Ports;
  /** The temporary directory holding config.yaml and the store. */
  readonly dir: string;
  /** The echo upstream every test may route to. */
  readonly echo: EchoUpstream;
  /** `gw.echo.upstream`, for brevity. */
  readonly upstream: Record<string, unknown>;
  /** An Admin API call, `path` under `/apisix/admin` (e.g. `/routes/1`); JSON body. */
  admin(method: string, path: string, body?: unknown): Promise<HttpReply>;
  /** PUT through the Admin API, waiting until every worker applied it; throws unless 200/201. */
  put(path: string, body: unknown): Promise<HttpReply>;
  /** DELETE through the Admin API, waiting until applied; throws unless 200. */
  delete(path: string): Promise<HttpReply>;
  /** A request to the proxy port on a fresh connection. */
  request(
    path: string,
    opts?: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<HttpReply>;
  /** Everything the gateway printed. */
  output(): string;
  close(): Promise<void>;
}

export async function startTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-plugin-'));
  const echo = await startEchoUpstream();
  let started: { ports: Ports; spawned: Spawned };
  try {
    started = await startOnFreePorts((ports) => {
      const config = path.join(dir, 'config.yaml');
      writeConfig(config, ports, {
        workers: opts.workers ?? 1,
        deployment: ['  role: traditional', '  role_traditional: { config_provider: embedded }'],
        adminKey: TEST_ADMIN_KEY,
        ...(opts.pluginAttr ? { pluginAttr: opts.pluginAttr } : {}),
        ...(opts.nginxHttp ? { nginxHttp: opts.nginxHttp } : {}),
        extra: [
          'gatehouse:',
          `  data_dir: ${path.join(dir, 'data')}`,
          `  pid_file: ${path.join(dir, 'gatehouse.pid')}`,
          ...(opts.pluginDir === undefined ? [] : [`  plugin_dir: ${opts.pluginDir}`]),
          ...(opts.extra ?? []),
        ],
      });
      return config;
    }, dir);
  } catch (err) {
    await echo.close();
    throw err;
  }
  const { ports, spawned } = started;
  const admin = (method: string, urlPath: string, body?: unknown): Promise<HttpReply> =>
    httpCall(ports.admin, method, `/apisix/admin${urlPath}`, {
      headers: { 'x-api-key': TEST_ADMIN_KEY, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const waited = (p: string): string => `${p}${p.includes('?') ? '&' : '?'}wait_applied=5`;
  return {
    ports,
    dir,
    echo,
    upstream: echo.upstream,
    admin,
    async put(urlPath, body) {
      const reply = await admin('PUT', waited(urlPath), body);
      if (reply.status !== 200 && reply.status !== 201) {
        throw new Error(`PUT ${urlPath}: ${reply.status} ${reply.body}`);
      }
      return reply;
    },
    async delete(urlPath) {
      const reply = await admin('DELETE', waited(urlPath));
      if (reply.status !== 200) throw new Error(`DELETE ${urlPath}: ${reply.status} ${reply.body}`);
      return reply;
    },
    request: (urlPath, o = {}) =>
      httpCall(ports.http, o.method ?? 'GET', urlPath, {
        ...(o.headers ? { headers: o.headers } : {}),
        ...(o.body === undefined ? {} : { body: o.body }),
      }),
    output: spawned.output,
    async close() {
      await spawned.stop();
      await echo.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
