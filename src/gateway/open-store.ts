import path from 'node:path';
import { GatehouseError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { GatewayConfig } from '../config/types.js';
import { EmbeddedStore } from '../store/embedded/embedded-store.js';
import type { ConfigStore } from '../store/types.js';
import { YamlStore } from '../store/yaml/yaml-store.js';

/** The embedded store's SQLite file inside `gatehouse.data_dir`. */
export function embeddedStoreFile(config: GatewayConfig): string {
  return path.join(config.gatehouse.data_dir, 'gatehouse.db');
}

/** Opens the store `deployment.config_provider` names (spec §8.1, DESIGN.md "Config store"). */
export async function openStore(config: GatewayConfig, logger: Logger): Promise<ConfigStore> {
  const provider = config.deployment.config_provider;
  switch (provider) {
    case 'embedded':
      return EmbeddedStore.open({ file: embeddedStoreFile(config), logger });
    case 'yaml':
      return await YamlStore.open({
        file: config.gatehouse.standalone_file,
        prefix: config.deployment.etcd.prefix,
        logger,
      });
    case 'etcd':
      throw new GatehouseError(
        'GH_ERR_STORE_UNAVAILABLE',
        `deployment.role_${config.deployment.role}.config_provider: etcd: the etcd backend is not ` +
          'available yet (it arrives with the etcd issue); use embedded or yaml',
      );
  }
}
