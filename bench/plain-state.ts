import type { Logger } from '../src/core/logger.js';
import { PluginRegistry } from '../src/plugin/registry.js';
import { DataPlaneState } from '../src/snapshot/state.js';
import { DnsCache } from '../src/upstream/resolve.js';
import { runtimeUpstreamFactory, type RuntimeUpstream } from '../src/upstream/runtime.js';

/** A worker's state with the real upstream runtime and no plugins, under `/apisix`. */
export function plainState(logger: Logger): DataPlaneState<RuntimeUpstream> {
  return new DataPlaneState({
    prefix: '/apisix',
    routerKind: 'radixtree_host_uri',
    plugins: () => new PluginRegistry([], []),
    logger,
    upstreams: runtimeUpstreamFactory({ dns: new DnsCache(), logger }),
  });
}
