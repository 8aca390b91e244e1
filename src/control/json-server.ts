import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/logger.js';

/** What a read-only endpoint answers: JSON (objects, arrays) or a plain-text string. */
export interface JsonReply {
  status: number;
  body?: unknown;
}

export type JsonHandler = (req: IncomingMessage, path: string) => JsonReply | Promise<JsonReply>;

/** A small HTTP server for the Control and Status APIs (loopback, unauthenticated, as APISIX). */
export interface JsonServer {
  listen(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

export function createJsonServer(
  listen: { ip: string; port: number },
  handler: JsonHandler,
  logger: Logger,
): JsonServer {
  const server: Server = createServer((req, res) => {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    Promise.resolve()
      .then(() => handler(req, path))
      .catch((err: unknown): JsonReply => {
        logger.error({ err, url: req.url }, 'control: request failed');
        return { status: 500, body: { error_msg: 'internal error' } };
      })
      .then(({ status, body }) => {
        const text =
          typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
        const type = typeof body === 'string' ? 'text/plain' : 'application/json';
        res.writeHead(status, { 'Content-Type': type }).end(text);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'control: failed to write a response');
        res.destroy();
      });
  });
  return {
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(listen.port, listen.ip, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          resolve({ address: addr.address, port: addr.port });
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
