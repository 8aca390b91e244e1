import { hostname } from 'node:os';
import type { QuotaClient } from '../cluster/quota-client.js';
import type { SharedDicts } from '../cluster/shared-dict.js';
import type { GatewayConfig } from '../config/types.js';
import type { Logger } from '../core/logger.js';
import type { PluginEnv } from '../plugin/types.js';
import { gatehouseVersion } from './version.js';

/** What plugins get in a worker: shared dicts, quotas, plugin_metadata, plugin_attr, the node id. */
export function createPluginEnv(
  config: GatewayConfig,
  logger: Logger,
  shared: SharedDicts,
  quotas: QuotaClient,
  metadata: (plugin: string) => Readonly<Record<string, unknown>> | undefined,
): PluginEnv {
  const apisix = config.raw['apisix'] as Record<string, unknown> | undefined;
  const id = apisix?.['id'];
  return {
    logger,
    shared: (name) => shared.dict(name),
    quotas: (name) => quotas.namespace(name),
    metadata,
    attr: (plugin) => config.plugin_attr[plugin],
    nodeId: typeof id === 'string' && id !== '' ? id : hostname(),
    version: gatehouseVersion(),
  };
}
