import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayConfig } from '../config/types.js';
import type { Logger } from '../core/logger.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { ConfigStore } from '../store/types.js';

export interface AdminServerOptions {
  /** `deployment.admin`: keys and roles, allow_admin, listen address, CORS, key_required. */
  admin: GatewayConfig['deployment']['admin'];
  /** `deployment.etcd.prefix`, '/apisix' by default: every key and every `key` field uses it. */
  etcdPrefix: string;
  /** stream_routes answer 400 unless this includes stream. */
  proxyMode: GatewayConfig['apisix']['proxy_mode'];
  dataEncryption: GatewayConfig['apisix']['data_encryption'];
  /** Largest request body in bytes (APISIX: 1572864). */
  maxBodySize: number;
  store: ConfigStore;
  /** The current HTTP plugin set (a reload may replace it, so it is read per request). */
  plugins: () => PluginRegistry;
  streamPlugins?: () => PluginRegistry;
  /** Runs for `PUT /apisix/admin/plugins/reload`. */
  reloadPlugins: () => Promise<void>;
  /**
   * Write-and-wait (`?wait_applied=<seconds>`): resolves true once every local worker has applied
   * `revision`, false after `timeoutMs`. Absent on a node with no workers (control_plane).
   */
  waitForRevision?: (revision: number, timeoutMs: number) => Promise<boolean>;
  /** Sent as `Server: Gatehouse/<version>`. */
  version: string;
  logger: Logger;
}

export interface AdminServer {
  /** Starts listening on `admin.admin_listen` (port 0 = any free port). */
  listen(): Promise<{ address: string; port: number }>;
  /** Stops accepting and closes idle connections. */
  close(): Promise<void>;
}

/** A parsed Admin API request, as the handlers see it. */
export interface AdminRequest {
  method: string;
  /** Decoded, non-empty path segments after `/apisix/admin`. */
  segments: readonly string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, undefined when the request had none. */
  body: unknown;
}

/**
 * What a handler answers. An object or array body is sent as JSON followed by `\n`, a string
 * as is (APISIX sends a few plain-text bodies), undefined as an empty body.
 */
export interface Reply {
  status: number;
  body?: unknown;
  /** The store revision a write produced, sent as `X-Gatehouse-Revision`. */
  revision?: number;
}
