import { createAdminServer } from '../admin/server.js';
import { hasAdminApi } from '../config/admin-key.js';
import type { GatewayConfig } from '../config/types.js';
import type { Logger } from '../core/logger.js';
import { PluginRegistry } from '../plugin/registry.js';
import type { ConfigStore } from '../store/types.js';
import { BUILTIN_PLUGINS } from './builtin-plugins.js';
import { openStore } from './open-store.js';
import { removePidFile, writePidFile } from './pid-file.js';
import { rereadConfig } from './reload.js';
import { installSignalHandlers } from './signals.js';
import { gatehouseVersion } from './version.js';

export interface StartOptions {
  logger: Logger;
  /** Install SIGTERM/SIGINT/SIGHUP handlers (default true; tests that start several say false). */
  handleSignals?: boolean;
  /** Write `gatehouse.pid_file` (default true). */
  writePid?: boolean;
}

/** A running gateway: the store, the plugin set and the Admin API, with one lifecycle. */
export interface Gateway {
  readonly config: GatewayConfig;
  /** `http://127.0.0.1:9180/apisix/admin`, or undefined when this node serves no Admin API. */
  readonly adminUrl: string | undefined;
  /** Resolves once the gateway has closed, by close() or by a signal. */
  readonly closed: Promise<void>;
  /** Stops the Admin API, closes the store, removes the pid file. Idempotent. */
  close(): Promise<void>;
}

function registries(config: GatewayConfig): { http: PluginRegistry; stream: PluginRegistry } {
  return {
    http: new PluginRegistry(BUILTIN_PLUGINS, config.plugins),
    stream: new PluginRegistry(BUILTIN_PLUGINS, config.stream_plugins),
  };
}

function urlHost(ip: string): string {
  if (ip === '0.0.0.0' || ip === '') return '127.0.0.1';
  if (ip === '::') return '[::1]';
  return ip.includes(':') ? `[${ip}]` : ip;
}

/**
 * The composition root: opens the store config_provider names, builds the plugin registry,
 * starts the Admin API when this role has one, and handles signals.
 *
 * @example
 *   const gateway = await startGateway(loadConfig(), { logger: createLogger('gatehouse') });
 *   await gateway.closed;
 */
export async function startGateway(config: GatewayConfig, opts: StartOptions): Promise<Gateway> {
  const { logger } = opts;
  let current = config;
  let plugins = registries(config);
  if (plugins.http.missing.length > 0) {
    logger.debug({ missing: plugins.http.missing }, 'configured plugins not implemented yet');
  }
  const store: ConfigStore = await openStore(config, logger);
  const cleanups: (() => Promise<void> | void)[] = [() => store.close()];
  let adminUrl: string | undefined;
  try {
    if (hasAdminApi(config) && store.writable) {
      const admin = createAdminServer({
        admin: config.deployment.admin,
        etcdPrefix: config.deployment.etcd.prefix,
        proxyMode: config.apisix.proxy_mode,
        dataEncryption: config.apisix.data_encryption,
        maxBodySize: config.gatehouse.admin_max_body_size,
        store,
        plugins: () => plugins.http,
        streamPlugins: () => plugins.stream,
        reloadPlugins: () => {
          const next = rereadConfig(current, logger);
          if (next !== undefined) plugins = registries(next);
          return Promise.resolve();
        },
        version: gatehouseVersion(),
        logger,
      });
      const bound = await admin.listen();
      cleanups.unshift(() => admin.close());
      adminUrl = `http://${urlHost(bound.address)}:${bound.port}/apisix/admin`;
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  if (opts.writePid !== false) {
    writePidFile(config.gatehouse.pid_file);
    cleanups.push(() => removePidFile(config.gatehouse.pid_file));
  }

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const cleanup of cleanups) {
        try {
          await cleanup();
        } catch (err) {
          logger.error({ err }, 'error while stopping');
        }
      }
      logger.info('stopped');
      resolveClosed();
    })();
    return closing;
  };

  if (opts.handleSignals !== false) {
    const uninstall = installSignalHandlers(
      {
        stop: () => void close(),
        reload: () => {
          const next = rereadConfig(current, logger);
          if (next === undefined) return;
          try {
            plugins = registries(next);
            current = next;
          } catch (err) {
            logger.error({ err }, `reload: plugin list not applied: ${(err as Error).message}`);
          }
        },
      },
      logger,
    );
    cleanups.push(uninstall);
  }

  logger.info(
    { adminUrl, provider: config.deployment.config_provider, role: config.deployment.role },
    adminUrl === undefined ? 'gatehouse ready' : `gatehouse ready; Admin API at ${adminUrl}`,
  );
  return { config, adminUrl, closed, close };
}
