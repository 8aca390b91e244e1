import { configError } from './config-error.js';
import { nginxTimeMs } from './nginx-time.js';
import type { ClientTimeouts } from './types.js';

const HINT = 'expected an nginx time such as "60s", "500ms", "1m" or a number of seconds';

/**
 * `nginx_config.http`'s client-side timeouts, checked and in milliseconds. A value nginx would
 * refuse stops the start with the file and key named (APISIX would fail later, in `nginx -t`).
 * `keepalive_timeout` takes nginx's optional second parameter (`"75s 60s"`): the value of the
 * `Keep-Alive: timeout=N` response header, which nginx sends only then.
 */
export function clientTimeouts(http: Record<string, unknown>, fileLabel: string): ClientTimeouts {
  const time = (key: string, fallback: number, value: unknown = http[key]): number => {
    if (value === undefined || value === null) return fallback;
    const ms = nginxTimeMs(value);
    if (ms === undefined) {
      throw configError(
        fileLabel,
        ['nginx_config', 'http', key],
        `${HINT}, got ${JSON.stringify(value)}`,
      );
    }
    return ms;
  };
  const keepalive = http['keepalive_timeout'];
  const parts = typeof keepalive === 'string' ? keepalive.trim().split(/\s+/) : [keepalive];
  if (parts.length > 2) {
    throw configError(
      fileLabel,
      ['nginx_config', 'http', 'keepalive_timeout'],
      `takes one or two times (idle, then the Keep-Alive header's), got ${JSON.stringify(keepalive)}`,
    );
  }
  return {
    keepalive_timeout: time('keepalive_timeout', 60_000, parts[0]),
    keepalive_header_timeout:
      parts[1] === undefined ? undefined : time('keepalive_timeout', 0, parts[1]),
    client_header_timeout: time('client_header_timeout', 60_000),
    client_body_timeout: time('client_body_timeout', 60_000),
    send_timeout: time('send_timeout', 10_000),
  };
}
