import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { request } from 'node:https';
import { connect, type ConnectionOptions } from 'node:tls';
import { configFromObject } from '../../src/config/load.js';
import { Keyring } from '../../src/core/data-encryption.js';
import { silentLogger } from '../../src/core/logger.js';
import type { ListenerTimeouts } from '../../src/gateway/connection-rules.js';
import { HttpListeners } from '../../src/gateway/listeners.js';
import { sslListen } from '../../src/gateway/ssl-listen.js';
import { PluginRegistry } from '../../src/plugin/registry.js';
import { createProxyHandler } from '../../src/proxy/handler.js';
import { DataPlaneState } from '../../src/snapshot/state.js';
import { DnsCache } from '../../src/upstream/resolve.js';
import { runtimeUpstreamFactory } from '../../src/upstream/runtime.js';
import { Feed, PREFIX } from '../proxy/helpers.js';
import { pem } from '../support/tls-fixtures.js';

export interface HttpsGateway {
  readonly feed: Feed;
  /** The SSL listener's port. */
  readonly port: number;
  /** The node_listen (plain HTTP) port. */
  readonly httpPort: number;
  /** The keyring of `apisix.data_encryption` (the default one). */
  readonly keyring: Keyring;
  /** The listeners' graceful drain (a worker stopping), then `close`. */
  drain(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A worker's data plane as buildWorkerApp wires it (ssl-listen.ts): the state feeding the
 * certificate store, the proxy on one HTTP and one SSL listener on port 0. `ssl` is merged into
 * config.yaml's `apisix.ssl`, `apisix` into `apisix`; `timeouts` are the listeners' (APISIX's
 * defaults when absent).
 */
export async function httpsGateway(
  ssl: Record<string, unknown> = {},
  timeouts?: ListenerTimeouts,
  apisix: Record<string, unknown> = {},
): Promise<HttpsGateway> {
  const config = configFromObject({
    apisix: { ...apisix, ssl: { listen: [{ ip: '127.0.0.1', port: 0 }], ...ssl } },
  });
  const logger = silentLogger();
  const keyring = new Keyring(config.apisix.data_encryption.keyring);
  const https = sslListen(config, keyring, logger);
  if (https === undefined) throw new Error('no SSL listener');
  const state = new DataPlaneState({
    prefix: PREFIX,
    routerKind: 'radixtree_host_uri',
    plugins: () => new PluginRegistry([], []),
    logger,
    upstreams: runtimeUpstreamFactory({ dns: new DnsCache(), logger }),
    ssls: https.certificates,
  });
  const feed = new Feed(state);
  const handler = createProxyHandler(state, { version: '3.14.0', logger });
  const listeners = new HttpListeners(
    [{ ip: '127.0.0.1', port: 0 }],
    handler,
    timeouts,
    https.listen,
  );
  await listeners.listen();
  return {
    feed,
    port: listeners.sslPorts()[0]!,
    httpPort: listeners.ports()[0]!,
    keyring,
    drain: async (timeoutMs) => {
      await listeners.drain(timeoutMs);
      await handler.close();
      state.close();
    },
    close: async () => {
      await listeners.drain(0);
      await handler.close();
      state.close();
    },
  };
}

/** What a client saw of a handshake that succeeded. */
export interface Handshake {
  /** The CN of the certificate the server sent. */
  readonly cn: string;
  /** The key type of the certificate the server sent. */
  readonly keyType: 'ec' | 'rsa' | 'other';
  readonly protocol: string | null;
  /** The protocol ALPN picked (false: none; give `ALPNProtocols` in the options to offer some). */
  readonly alpn: string | false;
  /** Whether the chain verified against the test root CA. */
  readonly authorized: boolean;
}

/**
 * A TLS handshake with the gateway, trusting only the test root CA; `servername` undefined sends
 * no SNI (the client dials an IP). Rejects when the handshake fails.
 */
export function handshake(
  port: number,
  servername: string | undefined,
  opts: ConnectionOptions = {},
): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca: pem('root.crt'),
      rejectUnauthorized: false,
      ...(servername === undefined ? {} : { servername }),
      ...opts,
    });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      resolve({
        cn: String(cert.subject?.CN ?? ''),
        keyType: cert.asn1Curve !== undefined ? 'ec' : cert.modulus !== undefined ? 'rsa' : 'other',
        protocol: socket.getProtocol(),
        alpn: socket.alpnProtocol ?? false,
        authorized: socket.authorized,
      });
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

/**
 * One HTTPS request (no keep-alive) with SNI and Host `servername`, trusting the test root;
 * `opts` adds a client certificate or another Host.
 */
export function httpsGet(
  port: number,
  servername: string,
  path: string,
  opts: { cert?: string; key?: string; host?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        servername,
        headers: { host: opts.host ?? servername },
        ca: pem('root.crt'),
        ...(opts.cert === undefined ? {} : { cert: opts.cert, key: opts.key }),
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** What an HTTP/2 request got: `:status`, the other response headers, the body. */
export interface H2Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * An HTTP/2 connection to the SSL listener with SNI `servername`, trusting the test root
 * (close it when done); `opts` adds a client certificate.
 */
export function h2Connect(
  port: number,
  servername: string,
  opts: { cert?: string; key?: string } = {},
): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`https://127.0.0.1:${port}`, {
      servername,
      ca: pem('root.crt'),
      ...(opts.cert === undefined ? {} : { cert: opts.cert, key: opts.key }),
    });
    session.once('connect', () => {
      session.off('error', reject);
      resolve(session);
    });
    session.once('error', reject);
  });
}

/** One request on `session`: `headers` are its fields (pseudo-headers included), `body` its data. */
export function h2Request(
  session: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
  body?: string | readonly string[],
): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let status = 0;
    let head: IncomingHttpHeaders = {};
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => {
      status = Number(h[':status']);
      head = h;
    });
    stream.on('data', (c: string) => (text += c));
    stream.on('end', () => resolve({ status, headers: head, body: text }));
    stream.on('error', reject);
    if (typeof body === 'string') stream.end(body);
    else if (body !== undefined) {
      for (const part of body) stream.write(part);
      stream.end();
    }
  });
}
