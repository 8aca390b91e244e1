import { staleFields, type ConfigState, type ListenAddressLike } from './types.js';
import type { Logger } from '../core/logger.js';
import { createJsonServer, type JsonServer } from './json-server.js';

export interface StatusApiOptions {
  /** `apisix.status` (APISIX default 127.0.0.1:7085). */
  listen: ListenAddressLike;
  /** How many workers there should be and how many have applied their first full config. */
  readiness: () => { count: number; ready: number };
  /** The store feed's state: a stale config is reported, readiness is not withdrawn. */
  config?: () => ConfigState;
  logger: Logger;
}

const OK = { status: 'ok' };

/**
 * The Status API (spec §9.2): `/status` answers while the process is up; `/status/ready` answers
 * 200 once every worker has applied its first full config, else 503 with APISIX's text.
 * As APISIX, readiness is not withdrawn when the store goes away later; unlike APISIX, the body
 * says so: `{"status":"ok","config":"stale","stale_since":"<ISO 8601>","stale_reason":"..."}`.
 * In sync, the body is APISIX's `{"status":"ok"}`.
 *
 * @example
 *   const status = createStatusApi({ listen: config.apisix.status, readiness: () => pool.readiness(), logger });
 *   await status.listen();
 */
export function createStatusApi(opts: StatusApiOptions): JsonServer {
  return createJsonServer(
    opts.listen,
    (req, path) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 404 };
      if (path === '/status') return { status: 200, body: OK };
      if (path === '/status/ready') {
        const { count, ready } = opts.readiness();
        const stale = staleFields(opts.config?.());
        if (ready >= count) return { status: 200, body: { ...OK, ...stale } };
        return {
          status: 503,
          body: {
            status: 'error',
            error: `worker count: ${count} but status report count: ${ready}`,
            ...stale,
          },
        };
      }
      return { status: 404 };
    },
    opts.logger,
  );
}
