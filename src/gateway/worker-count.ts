import { availableParallelism } from 'node:os';
import type { GatewayConfig } from '../config/types.js';
import { GatehouseError } from '../core/errors.js';

/**
 * `nginx_config.worker_processes` as a number: `auto` is the number of CPUs, as nginx.
 * A control_plane node runs no workers at all; everywhere else 0 or fewer is refused.
 */
export function workerCount(config: GatewayConfig): number {
  if (config.deployment.role === 'control_plane') return 0;
  const n = config.nginx_config.worker_processes;
  const count = n === 'auto' ? availableParallelism() : n;
  if (!Number.isInteger(count) || count < 1) {
    throw new GatehouseError(
      'GH_ERR_CONFIG_INVALID',
      `nginx_config.worker_processes: must be "auto" or a whole number of at least 1 (got ${String(n)})`,
    );
  }
  return count;
}
