import path from 'node:path';
import type { Logger } from '../core/logger.js';
import type { GatewayConfig } from '../config/types.js';
import { EmbeddedStore } from '../store/embedded/embedded-store.js';
import { EtcdStore, type EtcdStoreOptions } from '../store/etcd/etcd-store.js';
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
      return await EtcdStore.open(etcdStoreOptions(config, logger));
  }
}

/** `deployment.etcd` (and the CA of `apisix.ssl.ssl_trusted_certificate`) as store options. */
export function etcdStoreOptions(config: GatewayConfig, logger: Logger): EtcdStoreOptions {
  const etcd = config.deployment.etcd;
  const ca = trustedCertificate(config);
  const tls = etcd.tls || ca ? { ...(etcd.tls ?? {}), ...(ca ? { ca } : {}) } : undefined;
  return {
    hosts: etcd.host,
    timeoutSeconds: etcd.timeout,
    ...(etcd.user !== undefined ? { user: etcd.user } : {}),
    ...(etcd.password !== undefined ? { password: etcd.password } : {}),
    ...(tls ? { tls } : {}),
    logger,
  };
}

/** `apisix.ssl.ssl_trusted_certificate` is not typed in GatewayConfig: read it from the raw file. */
function trustedCertificate(config: GatewayConfig): string | undefined {
  const apisix = config.raw['apisix'];
  const ssl = isRecord(apisix) ? apisix['ssl'] : undefined;
  const file = isRecord(ssl) ? ssl['ssl_trusted_certificate'] : undefined;
  // APISIX's default is the literal "system" (its bundled CA list), which is also ours.
  if (typeof file !== 'string' || file === '' || file === 'system') return undefined;
  return path.resolve(config.prefix, file);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
