import { loadConfig } from '../config/load.js';
import type { GatewayConfig } from '../config/types.js';
import type { Logger } from '../core/logger.js';
import { changedKeys } from './config-diff.js';

/**
 * SIGHUP: re-reads config.yaml from where the running config came from and logs what changed.
 * A broken file is logged and ignored: the gateway keeps running on the config it has.
 * Returns the new config, or undefined when it could not be read.
 */
export function rereadConfig(current: GatewayConfig, logger: Logger): GatewayConfig | undefined {
  let next: GatewayConfig;
  try {
    next = loadConfig({ file: current.file, prefix: current.prefix });
  } catch (err) {
    logger.error({ err }, `reload: config.yaml not applied: ${(err as Error).message}`);
    return undefined;
  }
  const changed = changedKeys(current.raw, next.raw);
  if (changed.length === 0) {
    logger.info('reload: config.yaml has no changes');
  } else {
    // The caller replaces the workers with this config; the store and the Admin, Control and
    // Status listeners keep what they opened until a restart.
    logger.info({ changed }, `reload: config.yaml changed: ${changed.join(', ')}`);
  }
  return next;
}
