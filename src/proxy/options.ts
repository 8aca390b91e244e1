import type { Logger } from '../core/logger.js';
import type { PluginEnv } from '../plugin/types.js';

/**
 * What the proxy needs from config.yaml, as plain values (src/proxy may not read src/config;
 * the gateway maps `nginx_config.http.*` and `apisix.*` onto this).
 */
export interface ProxyOptions {
  /** `nginx_config.http.real_ip_header` (APISIX default `X-Real-IP`). */
  readonly realIpHeader?: string;
  /** `nginx_config.http.real_ip_from` (APISIX default `127.0.0.1`, `unix:`). */
  readonly realIpFrom?: readonly string[];
  /** `nginx_config.http.real_ip_recursive` ("on" → true). */
  readonly realIpRecursive?: boolean;
  /** `apisix.trusted_addresses`: peers whose X-Forwarded-Proto/Host/Port are kept. */
  readonly trustedAddresses?: readonly string[];
  /** `apisix.enable_server_tokens` (default true): `Server: Gatehouse/<version>` vs `Gatehouse` (APISIX's tokens with our own name, as the Admin API). */
  readonly serverTokens?: boolean;
  readonly version: string;
  /** `nginx_config.http.client_max_body_size` in bytes; 0 = unlimited (the default). */
  readonly clientMaxBodySize?: number;
  /** `nginx_config.http.client_body_timeout` in ms: between two reads of a body; 0 = none. */
  readonly clientBodyTimeoutMs?: number;
  /** `nginx_config.http.send_timeout` in ms: between two writes to the client; 0 = none. */
  readonly sendTimeoutMs?: number;
  /** `apisix.show_upstream_status_in_response_header`. */
  readonly showUpstreamStatus?: boolean;
  readonly logger: Logger;
  /** What plugins get at run time (shared dicts, metadata...); absent = plugins never run. */
  readonly pluginEnv?: PluginEnv;
}
