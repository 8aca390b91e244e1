import type { GatewayConfig } from '../config/types.js';
import type { Logger } from '../core/logger.js';
import type { ProxyOptions } from '../proxy/options.js';
import { gatehouseVersion } from './version.js';

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** nginx's size syntax (`0`, `8192`, `1m`, `2k`) in bytes; 0 = unlimited. */
export function nginxSize(value: unknown): number {
  if (typeof value === 'number') return value;
  const m = typeof value === 'string' ? /^(\d+)([kmg]?)$/i.exec(value.trim()) : null;
  if (!m) return 0;
  return Number(m[1]) * (UNITS[(m[2] ?? '').toLowerCase()] ?? 1);
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** The proxy's options from config.yaml (src/proxy reads no config itself). */
export function proxyOptions(config: GatewayConfig, logger: Logger): ProxyOptions {
  const apisix = record(config.raw['apisix']);
  const http = record(record(config.raw['nginx_config'])['http']);
  const trusted = apisix['trusted_addresses'];
  return {
    realIpHeader: config.nginx_config.http.real_ip_header,
    realIpFrom: config.nginx_config.http.real_ip_from,
    realIpRecursive: config.nginx_config.http.real_ip_recursive === 'on',
    trustedAddresses: Array.isArray(trusted) ? trusted.filter((a) => typeof a === 'string') : [],
    serverTokens: config.apisix.enable_server_tokens,
    version: gatehouseVersion(),
    clientMaxBodySize: nginxSize(http['client_max_body_size']),
    clientBodyTimeoutMs: config.nginx_config.http.client_body_timeout,
    sendTimeoutMs: config.nginx_config.http.send_timeout,
    showUpstreamStatus: apisix['show_upstream_status_in_response_header'] === true,
    logger,
  };
}
