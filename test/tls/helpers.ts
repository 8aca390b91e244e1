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
  close(): Promise<void>;
}

/**
 * A worker's data plane as buildWorkerApp wires it (ssl-listen.ts): the state feeding the
 * certificate store, the proxy on one HTTP and one SSL listener on port 0. `ssl` is merged into
 * config.yaml's `apisix.ssl`; `timeouts` are the listeners' (APISIX's defaults when absent).
 */
export async function httpsGateway(
  ssl: Record<string, unknown> = {},
  timeouts?: ListenerTimeouts,
): Promise<HttpsGateway> {
  const config = configFromObject({
    apisix: { ssl: { listen: [{ ip: '127.0.0.1', port: 0 }], ...ssl } },
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
