/**
 * What bench/plugin-path.ts and bench/plugin-inprocess.ts share: plugin-cost.sh's three plugins
 * enabled, with the environment a worker gives them (limit-count's quotas from a QuotaHost on a
 * Unix socket, leased as in a worker; an in-memory shared dict), all in this process.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QuotaClient } from '../src/cluster/quota-client.js';
import { QuotaHost } from '../src/cluster/quota-host.js';
import type { Logger } from '../src/core/logger.js';
import { ChainBuilder } from '../src/plugin/chain-builder.js';
import { PluginRegistry } from '../src/plugin/registry.js';
import type { PluginEnv } from '../src/plugin/types.js';
import keyAuth from '../src/plugins/key-auth.js';
import limitCount from '../src/plugins/limit-count.js';
import prometheus from '../src/plugins/prometheus.js';
import { memoryDict } from '../test/support/fake-plugin-context.js';

export interface PluginBenchEnv {
  readonly env: PluginEnv;
  readonly registry: PluginRegistry;
  readonly builder: ChainBuilder;
  readonly close: () => void;
}

/** key-auth, limit-count and prometheus, initialised; `name` names the quota socket. */
export async function pluginBenchEnv(name: string, logger: Logger): Promise<PluginBenchEnv> {
  const host = await QuotaHost.listen(path.join(tmpdir(), `gatehouse-${name}-${process.pid}`));
  const quotas = new QuotaClient(host.path);
  const dict = memoryDict();
  const env: PluginEnv = {
    logger,
    shared: () => dict,
    quotas: (ns) => quotas.namespace(ns),
    metadata: () => undefined,
    attr: () => undefined,
    nodeId: 'bench',
    version: '0.0.0',
  };
  const registry = new PluginRegistry(
    [keyAuth, limitCount, prometheus],
    ['key-auth', 'limit-count', 'prometheus'],
  );
  for (const def of registry.list()) def.init?.(env);
  return {
    env,
    registry,
    builder: new ChainBuilder(registry, env, logger),
    close: () => {
      quotas.close();
      host.close();
    },
  };
}
