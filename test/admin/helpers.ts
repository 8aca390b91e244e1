import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdminServer, type AdminServerOptions } from '../../src/admin/server.js';
import { silentLogger } from '../../src/core/logger.js';
import { PluginRegistry } from '../../src/plugin/registry.js';
import type { PluginDefinition } from '../../src/plugin/types.js';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js';

export const ADMIN_KEY = 'admin-key-for-tests';
export const VIEWER_KEY = 'viewer-key-for-tests';

/** Fake plugins: enough schema variety for plugin checks, consumer schemas, metadata, encryption. */
export const TEST_PLUGINS: PluginDefinition[] = [
  {
    name: 'key-auth',
    version: 0.1,
    priority: 2500,
    type: 'auth',
    schema: { type: 'object', properties: { header: { type: 'string' } } },
    consumerSchema: {
      type: 'object',
      properties: { key: { type: 'string' } },
      required: ['key'],
    },
    encryptFields: ['key'],
  },
  {
    name: 'limit-count',
    version: 0.4,
    priority: 1002,
    schema: {
      type: 'object',
      properties: {
        count: { type: 'integer', exclusiveMinimum: 0 },
        time_window: { type: 'integer', exclusiveMinimum: 0 },
      },
      required: ['count', 'time_window'],
    },
  },
  {
    name: 'example-plugin',
    version: 0.1,
    priority: 0,
    schema: { type: 'object', properties: { i: { type: 'number' } } },
    metadataSchema: {
      type: 'object',
      properties: {
        ikey: { type: 'number' },
        skey: { type: 'string' },
        secret: { type: 'string' },
      },
      required: ['ikey', 'skey'],
      encrypt_fields: ['secret'],
    },
  },
];

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed JSON body (undefined when the body is not JSON). */
  // Assertions read arbitrary response JSON; typing every envelope here would only restate it.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface TestAdmin {
  /**
   * Sends `body` as JSON (a string or a Buffer is sent as is) with the admin key, unless
   * `headers` carries a key or a cookie, or `X-No-Key` (then no key at all).
   */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  store: EmbeddedStore;
  /** The port the Admin API listens on (127.0.0.1), for raw-socket requests. */
  port: number;
  revision(): Promise<number>;
  /** Reloads seen by the server's reloadPlugins. */
  reloads: number;
  close(): Promise<void>;
}

export type AdminOverrides = Partial<Omit<AdminServerOptions, 'admin'>> & {
  admin?: Partial<AdminServerOptions['admin']>;
  /** Send no admin key by default. */
  anonymous?: boolean;
};

/** An Admin API on port 0 over a real SQLite store in a temp directory. */
export async function startAdmin(overrides: AdminOverrides = {}): Promise<TestAdmin> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-admin-'));
  const store = EmbeddedStore.open({ file: join(dir, 'store.db') });
  const registry = new PluginRegistry(
    TEST_PLUGINS,
    TEST_PLUGINS.map((p) => p.name),
  );
  const { admin: adminOverrides, anonymous, ...rest } = overrides;
  const state = { reloads: 0 };
  const server = createAdminServer({
    admin: {
      admin_key_required: true,
      admin_key: [
        { name: 'admin', key: ADMIN_KEY, role: 'admin' },
        { name: 'viewer', key: VIEWER_KEY, role: 'viewer' },
      ],
      enable_admin_cors: true,
      allow_admin: [],
      admin_listen: { ip: '127.0.0.1', port: 0 },
      admin_api_version: 'v3',
      ...adminOverrides,
    },
    etcdPrefix: '/apisix',
    proxyMode: 'http&stream',
    dataEncryption: {
      enable_encrypt_fields: true,
      keyring: ['qeddd145sfvddff3', 'edd1c9f0985e76a2'],
    },
    maxBodySize: 1572864,
    store,
    plugins: () => registry,
    reloadPlugins: () => {
      state.reloads++;
      return Promise.resolve();
    },
    version: '0.1.0-test',
    logger: silentLogger(),
    ...rest,
  });
  const { port } = await server.listen();
  return {
    store,
    port,
    get reloads() {
      return state.reloads;
    },
    revision: () => store.revision(),
    request: (method, path, body, headers = {}) => {
      const keyed =
        anonymous === true || hasKey(headers) ? headers : { 'X-API-KEY': ADMIN_KEY, ...headers };
      return send(port, method, path, body, keyed);
    },
    async close() {
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function hasKey(headers: Record<string, string>): boolean {
  return Object.keys(headers).some((h) =>
    ['x-api-key', 'cookie', 'x-no-key'].includes(h.toLowerCase()),
  );
}

/** node:http rather than fetch: fetch would normalise `..` and `%2e%2e` out of the path. */
function send(
  port: number,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<Response> {
  const payload =
    body === undefined || typeof body === 'string' || Buffer.isBuffer(body)
      ? body
      : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}
