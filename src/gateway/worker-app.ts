import type { WorkerApp } from '../cluster/worker.js';
import type { GatewayConfig, ListenAddress } from '../config/types.js';
import type { KeyValue, WatchEvent } from '../core/kv.js';
import type { Logger } from '../core/logger.js';
import { HttpListeners } from './listeners.js';

/** The HTTP listeners a worker opens: `apisix.node_listen`, unless the proxy is stream-only. */
export function httpAddresses(config: GatewayConfig): ListenAddress[] {
  return config.apisix.proxy_mode === 'stream' ? [] : [...config.apisix.node_listen];
}

/** Interim sink until the data plane is wired: keeps the revision only. */
class RevisionOnly {
  revision = 0;
  reset(_items: readonly KeyValue[], revision: number): void {
    this.revision = revision;
  }
  apply(revision: number, _events: readonly WatchEvent[]): void {
    this.revision = Math.max(this.revision, revision);
  }
}

/** A worker: the data-plane state fed by the primary, and the proxy on the node listeners. */
export function buildWorkerApp(config: GatewayConfig, logger: Logger): WorkerApp {
  const sink = new RevisionOnly();
  const listeners = new HttpListeners(httpAddresses(config), {
    onRequest(_req, res) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"error_msg":"404 Route Not Found"}\n');
    },
  });
  logger.debug({ listen: httpAddresses(config) }, 'worker built');
  return { sink, listen: () => listeners.listen(), drain: (ms) => listeners.drain(ms) };
}
