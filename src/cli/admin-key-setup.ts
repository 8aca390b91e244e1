import { generateAdminKey, needsAdminKey, writeAdminKey } from '../config/admin-key.js';
import { loadConfig } from '../config/load.js';
import { fileLabel, type ConfigLocation } from '../config/location.js';
import type { GatewayConfig } from '../config/types.js';
import type { Io } from './io.js';

/**
 * First start (or `init`): when the Admin API needs a key and none is configured, generate one,
 * save it in config.yaml and print it once. APISIX shipped a well-known key before 3.10; we
 * never do. Returns the config to run with (re-read, so it carries the new key).
 */
export function ensureAdminKey(
  config: GatewayConfig,
  location: ConfigLocation,
  io: Io,
): GatewayConfig {
  if (!needsAdminKey(config)) return config;
  const key = generateAdminKey();
  writeAdminKey(location.file, key);
  io.out(
    `Admin API key (saved in ${fileLabel(location.file)}, deployment.admin.admin_key): ${key}`,
  );
  return loadConfig({ file: location.file, prefix: location.prefix });
}
