import type { WorkerApp } from '../cluster/worker.js';
import type { GatewayConfig, ListenAddress } from '../config/types.js';
import { AtRest } from '../admin/at-rest.js';
import { QuotaClient } from '../cluster/quota-client.js';
import { quotaSocketPath } from '../cluster/quota-wire.js';
import { SharedDicts, sharedDictFile } from '../cluster/shared-dict.js';
import { Keyring } from '../core/data-encryption.js';
import type { Logger } from '../core/logger.js';
import { ChainBuilder } from '../plugin/chain-builder.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { PluginEnv } from '../plugin/types.js';
import { createProxyHandler } from '../proxy/handler.js';
import type { RouterKind } from '../router/types.js';
import { DataPlaneState } from '../snapshot/state.js';
import { DnsCache } from '../upstream/resolve.js';
import { runtimeUpstreamFactory, type RuntimeUpstream } from '../upstream/runtime.js';
import { HttpListeners } from './listeners.js';
import { createPluginEnv } from './plugin-env.js';
import { loadPluginSets } from './plugin-sets.js';
import { proxyOptions } from './proxy-options.js';
import { sslListen } from './ssl-listen.js';

/** The HTTP listeners a worker opens: `apisix.node_listen`, unless the proxy is stream-only. */
export function httpAddresses(config: GatewayConfig): ListenAddress[] {
  return config.apisix.proxy_mode === 'stream' ? [] : [...config.apisix.node_listen];
}

/** Calls a lifecycle hook of every enabled plugin; a failing hook is logged, never fatal. */
function lifecycle(registry: PluginRegistry, hook: 'init' | 'destroy', env: PluginEnv): void {
  for (const def of registry.list()) {
    try {
      if (hook === 'init') def.init?.(env);
      else def.destroy?.();
    } catch (err) {
      env.logger.error({ plugin: def.name, err }, `plugin ${hook} failed`);
    }
  }
}

/**
 * A worker: the data-plane state the primary feeds, the plugins (with a node-wide shared dict
 * the primary created), and the proxy on the node listeners. A plugin reload (`config` message)
 * swaps the plugin set and rebuilds every chain; requests in flight finish on the old chains.
 * With `apisix.ssl` enabled it also serves HTTPS on `apisix.ssl.listen`, the certificate chosen
 * per handshake by SNI from the `ssls` the state applies (ssl-listen.ts).
 */
export async function buildWorkerApp(config: GatewayConfig, logger: Logger): Promise<WorkerApp> {
  let generation = 0;
  let plugins = (await loadPluginSets(config, generation)).http;
  const shared = new SharedDicts(sharedDictFile(process.ppid));
  const encryption = config.apisix.data_encryption;
  const keyring = new Keyring(encryption.keyring);
  const atRest = new AtRest(keyring, encryption.enable_encrypt_fields);
  const https = sslListen(config, keyring, logger);
  const holder: { state?: DataPlaneState<RuntimeUpstream> } = {};
  // A cluster worker counts through its primary; anything else (an in-process use) locally.
  const quotas = new QuotaClient(
    typeof process.send === 'function' ? quotaSocketPath(process.ppid) : undefined,
  );
  const env = createPluginEnv(config, logger, shared, quotas, (name) =>
    holder.state?.metadata(name),
  );
  let chains = new ChainBuilder(plugins, env, logger);
  lifecycle(plugins, 'init', env);
  const live = new DataPlaneState<RuntimeUpstream>({
    prefix: config.deployment.etcd.prefix,
    routerKind: config.apisix.router.http as RouterKind,
    plugins: () => plugins,
    chains: () => chains,
    decrypt: (dir, value) => atRest.forRead(dir, value, plugins),
    logger,
    upstreams: runtimeUpstreamFactory({ dns: new DnsCache(), logger }),
    ...(https ? { ssls: https.certificates } : {}),
  });
  holder.state = live;
  const proxy = createProxyHandler(live, { ...proxyOptions(config, logger), pluginEnv: env });
  const listeners = new HttpListeners(
    httpAddresses(config),
    proxy,
    config.nginx_config.http,
    https?.listen,
  );
  return {
    sink: live,
    listen: () => listeners.listen(),
    async drain(timeoutMs) {
      await listeners.drain(timeoutMs);
      await proxy.close();
      live.close();
      lifecycle(plugins, 'destroy', env);
      shared.close();
      quotas.close();
    },
    async updateConfig(next) {
      let loaded: PluginRegistry;
      try {
        loaded = (await loadPluginSets(next, ++generation)).http;
      } catch (err) {
        logger.error({ err }, 'plugin reload failed; the previous plugins stay');
        return;
      }
      lifecycle(plugins, 'destroy', env);
      plugins = loaded;
      chains = new ChainBuilder(plugins, env, logger);
      lifecycle(plugins, 'init', env);
      live.rebuildChains();
      logger.info({ plugins: plugins.list().length }, 'plugins reloaded');
    },
  };
}
