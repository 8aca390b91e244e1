import type { WorkerApp } from '../cluster/worker.js';
import type { GatewayConfig, ListenAddress } from '../config/types.js';
import type { Logger } from '../core/logger.js';
import { PluginRegistry } from '../plugin/registry.js';
import { createProxyHandler } from '../proxy/handler.js';
import type { RouterKind } from '../router/types.js';
import { DataPlaneState } from '../snapshot/state.js';
import { DnsCache } from '../upstream/resolve.js';
import { runtimeUpstreamFactory } from '../upstream/runtime.js';
import { BUILTIN_PLUGINS } from './builtin-plugins.js';
import { HttpListeners } from './listeners.js';
import { proxyOptions } from './proxy-options.js';

/** The HTTP listeners a worker opens: `apisix.node_listen`, unless the proxy is stream-only. */
export function httpAddresses(config: GatewayConfig): ListenAddress[] {
  return config.apisix.proxy_mode === 'stream' ? [] : [...config.apisix.node_listen];
}

/**
 * A worker: the data-plane state the primary feeds, and the proxy on the node listeners.
 * HTTPS (`apisix.ssl`) is not served yet; the primary says so once at start.
 */
export function buildWorkerApp(config: GatewayConfig, logger: Logger): WorkerApp {
  let plugins = new PluginRegistry(BUILTIN_PLUGINS, config.plugins);
  const state = new DataPlaneState({
    prefix: config.deployment.etcd.prefix,
    routerKind: config.apisix.router.http as RouterKind,
    plugins: () => plugins,
    logger,
    upstreams: runtimeUpstreamFactory({ dns: new DnsCache(), logger }),
  });
  const proxy = createProxyHandler(state, proxyOptions(config, logger));
  const listeners = new HttpListeners(httpAddresses(config), proxy);
  return {
    sink: state,
    listen: () => listeners.listen(),
    async drain(timeoutMs) {
      await listeners.drain(timeoutMs);
      await proxy.close();
      state.close();
    },
    updateConfig(next) {
      plugins = new PluginRegistry(BUILTIN_PLUGINS, next.plugins);
    },
  };
}
