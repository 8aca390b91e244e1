import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Keyring } from '../core/data-encryption.js';
import { AtRest } from './at-rest.js';
import { AdminAuth } from './auth.js';
import { AllowList } from './allow-list.js';
import { readJsonBody } from './body.js';
import { ADMIN_CATALOG } from './catalog.js';
import { JsonText } from './json-text.js';
import { dispatch, type DispatchDeps, type Routed } from './dispatch.js';
import { failed } from './errors.js';
import { preflightHeaders, responseHeaders } from './headers.js';
import type { AdminServer, AdminServerOptions } from './types.js';
import { awaitApplied, waitAppliedSeconds } from './wait-applied.js';

export type { AdminServer, AdminServerOptions } from './types.js';

const ADMIN_PATH = '/apisix/admin';

/**
 * The Admin API v3 server (APISIX port 9180): allow-list, CORS, admin keys, then the routes
 * of `dispatch.ts` over the config store.
 *
 * @example
 *   const admin = createAdminServer({ admin: config.deployment.admin, store, ... });
 *   const { port } = await admin.listen();
 */
export function createAdminServer(opts: AdminServerOptions): AdminServer {
  const allowList = new AllowList(opts.admin.allow_admin);
  const deps: DispatchDeps = {
    auth: new AdminAuth(opts.admin.admin_key, opts.admin.admin_key_required),
    crud: {
      store: opts.store,
      prefix: opts.etcdPrefix,
      plugins: opts.plugins,
      streamPlugins: opts.streamPlugins,
      atRest: new AtRest(
        new Keyring(opts.dataEncryption.keyring),
        opts.dataEncryption.enable_encrypt_fields,
      ),
      now: () => Math.floor(Date.now() / 1000),
    },
    kinds: ADMIN_CATALOG.kinds,
    coreSchemas: ADMIN_CATALOG.coreSchemas,
    plugins: {
      http: opts.plugins,
      stream: opts.streamPlugins,
      metaSchema: ADMIN_CATALOG.metaSchema,
    },
    streamEnabled: opts.proxyMode !== 'http',
    reloadPlugins: opts.reloadPlugins,
  };
  const common = responseHeaders(opts.version, opts.admin.enable_admin_cors);

  /**
   * Synchronous up to the body read: a write's reply is the one promise of the handler chain,
   * anything answered without the body (a 404, a 401) is a plain value.
   */
  function route(req: IncomingMessage): Routed | Promise<Routed> {
    allowList.check(req.socket.remoteAddress);
    // Not `new URL()`: it would resolve `..` and `%2e%2e` away, and such ids must be refused.
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const pathname = q === -1 ? target : target.slice(0, q);
    const segments = adminSegments(pathname);
    if (segments === undefined) return { status: 404, body: { error_msg: 'not found' } };
    const query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1));
    const waitSeconds = waitAppliedSeconds(query);
    const reply = dispatch(deps, {
      method: req.method ?? 'GET',
      segments,
      query,
      headers: req.headers,
      readBody: () => readJsonBody(req, opts.maxBodySize),
    });
    if (waitSeconds === undefined) return reply;
    return Promise.resolve(reply).then(async (done) => {
      if (done.revision === undefined || done.status >= 300) return done;
      return {
        ...done,
        wait: await awaitApplied(done.revision, waitSeconds, opts.waitForRevision),
      };
    });
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const preflight = opts.admin.enable_admin_cors && req.method === 'OPTIONS';
    if (preflight && allowList.allows(req.socket.remoteAddress)) {
      res.writeHead(200, preflightHeaders(opts.version)).end();
      return;
    }
    const fail = (err: unknown): void => send(req, res, failed(err));
    let routed: Routed | Promise<Routed>;
    try {
      routed = route(req);
    } catch (err) {
      // Answered in a microtask like a rejected write, once the parser has taken what it has
      // of the request: whether it is complete decides the Connection header.
      queueMicrotask(() => fail(err));
      return;
    }
    if (routed instanceof Promise) {
      routed.then((reply) => send(req, res, reply), fail);
    } else {
      const reply = routed;
      queueMicrotask(() => send(req, res, reply));
    }
  }

  /** Never throws: a response that cannot be written closes the connection. */
  function send(req: IncomingMessage, res: ServerResponse, reply: Routed): void {
    try {
      if (reply.failure !== undefined) {
        opts.logger.error(
          { err: reply.failure, method: req.method, url: req.url },
          'admin: request failed',
        );
      }
      const headers = common.slice();
      if (reply.generic === true) headers.push('X-API-VERSION', 'v3');
      if (reply.revision !== undefined) {
        headers.push('X-Gatehouse-Revision', String(reply.revision));
      }
      if (reply.wait !== undefined) headers.push('X-Gatehouse-Wait', reply.wait);
      // A body left unread (too large) must not be parsed as the next request.
      if (!req.complete) headers.push('Connection', 'close');
      const body = encode(reply.body);
      // Framed by its length rather than chunked: head and body leave in one write.
      if (req.method !== 'HEAD') headers.push('Content-Length', String(Buffer.byteLength(body)));
      res.writeHead(reply.status, headers).end(body);
    } catch (err) {
      opts.logger.error({ err }, 'admin: failed to write a response');
      res.destroy();
    }
  }

  const server = createServer((req, res) => onRequest(req, res));
  // Node hands CONNECT to a 'connect' listener and, without one, closes the connection
  // unanswered. The Admin API tunnels nothing: it answers as it does any method it does not route.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    const body = encode({ error_msg: 'not found' });
    socket.on('error', () => socket.destroy());
    socket.end(
      `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return {
    listen: () =>
      new Promise((resolve, reject) => {
        const { ip, port } = opts.admin.admin_listen;
        server.once('error', reject);
        server.listen(port, ip, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          resolve({ address: addr.address, port: addr.port });
        });
      }),
    close: () =>
      new Promise((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        server.closeIdleConnections();
      }),
  };
}

/** Decoded, non-empty segments after `/apisix/admin`, or undefined for another path. */
function adminSegments(pathname: string): string[] | undefined {
  if (pathname !== ADMIN_PATH && !pathname.startsWith(`${ADMIN_PATH}/`)) return undefined;
  return pathname
    .slice(ADMIN_PATH.length)
    .split('/')
    .filter((s) => s !== '')
    .map(decodeSegment);
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** APISIX's encoding: JSON followed by a newline, strings as they are. */
function encode(body: unknown): string {
  if (body === undefined) return '';
  if (typeof body === 'string') return body;
  if (body instanceof JsonText) return `${body.text}\n`;
  return `${JSON.stringify(body)}\n`;
}
