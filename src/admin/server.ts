import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Keyring } from '../core/data-encryption.js';
import { AtRest } from './at-rest.js';
import { AdminAuth } from './auth.js';
import { AllowList } from './allow-list.js';
import { readJsonBody } from './body.js';
import { ADMIN_CATALOG } from './catalog.js';
import { dispatch, type DispatchDeps, type Routed } from './dispatch.js';
import { errorReply } from './errors.js';
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

  async function route(req: IncomingMessage): Promise<Routed> {
    allowList.check(req.socket.remoteAddress);
    // Not `new URL()`: it would resolve `..` and `%2e%2e` away, and such ids must be refused.
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const pathname = q === -1 ? target : target.slice(0, q);
    const search = q === -1 ? '' : target.slice(q + 1);
    const segments = adminSegments(pathname);
    if (segments === undefined) return { status: 404, body: { error_msg: 'not found' } };
    const query = new URLSearchParams(search);
    const waitSeconds = waitAppliedSeconds(query);
    const reply = await dispatch(deps, {
      method: req.method ?? 'GET',
      segments,
      query,
      headers: req.headers,
      readBody: () => readJsonBody(req, opts.maxBodySize),
    });
    if (waitSeconds === undefined || reply.revision === undefined || reply.status >= 300) {
      return reply;
    }
    return {
      ...reply,
      wait: await awaitApplied(reply.revision, waitSeconds, opts.waitForRevision),
    };
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const preflight = opts.admin.enable_admin_cors && req.method === 'OPTIONS';
    if (preflight && allowList.allows(req.socket.remoteAddress)) {
      res.writeHead(200, { ...preflightHeaders(opts.version) }).end();
      return;
    }
    route(req)
      .catch((err: unknown): Routed => {
        const { unexpected, ...reply } = errorReply(err);
        return unexpected ? { ...reply, failure: err } : reply;
      })
      .then((reply) => send(req, res, reply))
      .catch((err: unknown) => {
        opts.logger.error({ err }, 'admin: failed to write a response');
        res.destroy();
      });
  }

  function send(req: IncomingMessage, res: ServerResponse, reply: Routed): void {
    if (reply.failure !== undefined) {
      opts.logger.error(
        { err: reply.failure, method: req.method, url: req.url },
        'admin: request failed',
      );
    }
    const headers: Record<string, string> = { ...common };
    if (reply.generic === true) headers['X-API-VERSION'] = 'v3';
    if (reply.revision !== undefined) headers['X-Gatehouse-Revision'] = String(reply.revision);
    if (reply.wait !== undefined) headers['X-Gatehouse-Wait'] = reply.wait;
    // A body left unread (too large) must not be parsed as the next request.
    if (!req.complete) headers['Connection'] = 'close';
    res.writeHead(reply.status, headers).end(encode(reply.body));
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
  return `${JSON.stringify(body)}\n`;
}
