import path from 'node:path';
import type { GatewayConfig } from '../config/types.js';
import { GatehouseError, isGatehouseError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { EtcdStore } from '../store/etcd/etcd-store.js';
import { readLastKnownGood, type LastKnownGood } from '../store/last-known-good.js';
import type { ConfigStore } from '../store/types.js';
import { etcdStoreOptions, openStore } from './open-store.js';

/** The last-known-good snapshot of an etcd node, inside `gatehouse.data_dir`. */
export function snapshotFile(config: GatewayConfig): string {
  return path.join(config.gatehouse.data_dir, 'etcd-snapshot.json');
}

export interface OpenedStore {
  store: ConfigStore;
  /** Set when etcd did not answer and the node starts from its snapshot instead. */
  lastKnownGood?: LastKnownGood;
}

/** Pause between start-up attempts: 0.5 s, 1 s, 1.5 s ... */
const RETRY_STEP_MS = 500;

/**
 * Opens the configured store. For etcd: tries `deployment.etcd.startup_retry` times (APISIX's
 * key; at least once); when etcd does not answer, a node that has a last-known-good snapshot
 * starts from it at once (one attempt only: the snapshot is what it is for) and catches up with
 * etcd in the background; a node without one fails with one line naming etcd.
 */
export async function openConfigStore(config: GatewayConfig, logger: Logger): Promise<OpenedStore> {
  if (config.deployment.config_provider !== 'etcd')
    return { store: await openStore(config, logger) };
  const file = snapshotFile(config);
  const snapshot = readLastKnownGood(file, config.deployment.etcd.prefix, logger);
  const attempts = snapshot ? 1 : Math.max(1, config.deployment.etcd.startup_retry);
  const options = etcdStoreOptions(config, logger);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return { store: await EtcdStore.open(options) };
    } catch (err) {
      if (!isGatehouseError(err) || err.code !== 'GH_ERR_STORE_UNAVAILABLE') throw err;
      lastError = err;
      // debug: the failure is reported once, by the caller, as one line.
      logger.debug({ attempt, attempts, err: err.message }, 'etcd did not answer at start-up');
      if (attempt < attempts) await sleep(RETRY_STEP_MS * attempt);
    }
  }
  if (snapshot) {
    logger.warn(
      { file, revision: snapshot.revision, savedAt: new Date(snapshot.savedAt).toISOString() },
      'etcd is unreachable: serving the last-known-good snapshot until it answers',
    );
    return { store: EtcdStore.connect(options), lastKnownGood: snapshot };
  }
  const message = lastError instanceof Error ? lastError.message : String(lastError);
  throw new GatehouseError(
    'GH_ERR_STORE_UNAVAILABLE',
    `${message.split('\n')[0]} (${attempts} attempt${attempts === 1 ? '' : 's'}, ` +
      `no last-known-good snapshot at ${file})`,
    { cause: lastError },
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
