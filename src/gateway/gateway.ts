import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { createAdminServer } from '../admin/server.js';
import { WorkerPool } from '../cluster/pool.js';
import { QuotaHost } from '../cluster/quota-host.js';
import { quotaSocketPath } from '../cluster/quota-wire.js';
import { SharedDictHost, sharedDictFile } from '../cluster/shared-dict.js';
import { hasAdminApi } from '../config/admin-key.js';
import type { GatewayConfig } from '../config/types.js';
import { createControlApi } from '../control/control-api.js';
import { createStatusApi } from '../control/status-api.js';
import type { Logger } from '../core/logger.js';
import { ConfigFeed } from '../store/feed.js';
import type { ConfigStore } from '../store/types.js';
import {
  type PluginList,
  pluginListIn,
  publishPluginList,
  resetPluginList,
  withPluginList,
} from './plugin-list.js';
import { loadPluginSets } from './plugin-sets.js';
import { controlSchema } from './control-schema.js';
import { startMetricsExport } from './metrics-export.js';
import { SnapshotSaver } from '../store/last-known-good.js';
import { openConfigStore, snapshotFile } from './store-start.js';
import { removePidFile, writePidFile } from './pid-file.js';
import { rereadConfig } from './reload.js';
import { installSignalHandlers } from './signals.js';
import { gatehouseVersion } from './version.js';
import { workerCount } from './worker-count.js';

export interface StartOptions {
  logger: Logger;
  /** Install SIGTERM/SIGINT/SIGHUP handlers (default true; tests that start several say false). */
  handleSignals?: boolean;
  /** Write `gatehouse.pid_file` (default true). */
  writePid?: boolean;
}

/** A running gateway: the store, its feed, the workers, the Admin/Control/Status APIs. */
export interface Gateway {
  readonly config: GatewayConfig;
  /** `http://127.0.0.1:9180/apisix/admin`, or undefined when this node serves no Admin API. */
  readonly adminUrl: string | undefined;
  /** `http://127.0.0.1:9090`, or undefined when the Control API is off. */
  readonly controlUrl: string | undefined;
  /** `http://127.0.0.1:7085`, or undefined when `apisix.status` is not set. */
  readonly statusUrl: string | undefined;
  /** Resolves once the gateway has closed, by close() or by a signal. */
  readonly closed: Promise<void>;
  /** SIGHUP: re-reads config.yaml and replaces the workers one by one. */
  reload(): Promise<void>;
  /** Stops the APIs, drains the workers, closes the store, removes the pid file. Idempotent. */
  close(): Promise<void>;
}

/** The worker entry node:cluster runs (compiled next to this file). */
const WORKER_ENTRY = fileURLToPath(new URL('./worker-main.js', import.meta.url));

/** In-flight requests get this long on stop and reload; below the forced exit of signals.ts. */
const DRAIN_MS = 8000;

/**
 * The Control API's worker endpoints wait this long at most for the workers to acknowledge what
 * they were sent; a worker that is stuck shows the revision it last acknowledged.
 */
const CONTROL_SETTLE_MS = 200;

function urlHost(ip: string): string {
  if (ip === '0.0.0.0' || ip === '') return '127.0.0.1';
  if (ip === '::') return '[::1]';
  return ip.includes(':') ? `[${ip}]` : ip;
}

type Cleanup = () => Promise<void> | void;

/**
 * V8's tier-up budget in the primary (bytes of bytecode run between two tiering checks; V8's
 * default is 66 KiB). The primary's code runs a few times a second at most (an Admin API write,
 * a delta to the workers), so at the default it stays in baseline code for thousands of writes:
 * a route PUT there spent most of its JavaScript time in inline-cache builtins. With this budget
 * most of the write path is optimized code within a thousand or so writes, and a write costs the
 * primary ~12 % less CPU from then on (bench/README.md, "Primary CPU per route write").
 *
 * Set at run time once the gateway is up: start-up's run-once code (reading 100k routes, the
 * first reset) is not compiled eagerly, and the workers (whose execArgv is the primary's command
 * line) keep V8's default. A budget given on the command line or in NODE_OPTIONS wins.
 */
const PRIMARY_INTERRUPT_BUDGET = 4096;

function tuneTierUp(): void {
  const given = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  if (given.some((flag) => /^--interrupt[-_]budget(=|$)/.test(flag))) return;
  setFlagsFromString(`--interrupt-budget=${PRIMARY_INTERRUPT_BUDGET}`);
}

/**
 * The composition root (DESIGN.md "Process model"): the primary opens the store, follows it with
 * one feed, forks the workers and feeds them (traditional, data_plane), serves the Admin API
 * (traditional, control_plane) with write-and-wait, the Control and Status APIs, and handles
 * signals. Resolves once every worker is ready.
 *
 * @example
 *   const gateway = await startGateway(loadConfig(), { logger: createLogger('gatehouse') });
 *   await gateway.closed;
 */
export async function startGateway(config: GatewayConfig, opts: StartOptions): Promise<Gateway> {
  const { logger } = opts;
  const count = workerCount(config);
  let current = config;
  let generation = 0;
  let plugins = await loadPluginSets(config, generation);
  if (plugins.http.missing.length > 0) {
    logger.debug({ missing: plugins.http.missing }, 'configured plugins not implemented yet');
  }
  // A data plane on etcd runs the plugins the store's `/apisix/plugins` names, once it names
  // some; config.yaml's lists until then (spec core §1.5).
  let storeList: PluginList | undefined;
  const effective = (next: GatewayConfig): GatewayConfig =>
    storeList === undefined ? next : withPluginList(next, storeList);
  /** Loads the plugin set `current` (and the store's list) name, and hands it to the workers. */
  const applyPlugins = async (): Promise<void> => {
    const next = effective(current);
    plugins = await loadPluginSets(next, ++generation);
    pool?.sendConfig(next);
  };
  const reloadPlugins = async (): Promise<void> => {
    const next = rereadConfig(current, logger);
    if (next === undefined) return;
    current = next;
    await applyPlugins();
  };
  let pluginListApplied = Promise.resolve();
  const followPluginList = (list: PluginList): void => {
    storeList = list;
    pluginListApplied = pluginListApplied.then(async () => {
      try {
        await applyPlugins();
        logger.info({ plugins: list.http }, 'plugin list from the store applied');
      } catch (err) {
        logger.error({ err }, `plugin list from the store not applied: ${(err as Error).message}`);
      }
    });
  };

  // Closed last-in first-out: the APIs stop accepting, then workers drain, then the store goes.
  const cleanups: Cleanup[] = [];
  const runCleanups = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0)) {
      try {
        await cleanup();
      } catch (err) {
        logger.error({ err }, 'error while stopping');
      }
    }
  };
  const opened = await openConfigStore(config, logger);
  const store: ConfigStore = opened.store;
  cleanups.unshift(() => store.close());
  const feed = new ConfigFeed({ store, prefix: config.deployment.etcd.prefix, logger });
  // Only a remote store needs a local copy to start without it (spec: etcd is the remote one).
  const saver =
    store.kind === 'etcd'
      ? new SnapshotSaver({
          file: snapshotFile(config),
          prefix: config.deployment.etcd.prefix,
          state: () => feed,
          logger,
        })
      : undefined;
  if (saver) cleanups.unshift(() => saver.close());
  let pool: WorkerPool | undefined;
  let adminUrl: string | undefined;
  let controlUrl: string | undefined;
  let statusUrl: string | undefined;
  const followsPluginList = store.kind === 'etcd' && !hasAdminApi(config);
  const prefix = config.deployment.etcd.prefix;
  try {
    await feed.start((update) => {
      pool?.publish(update);
      saver?.changed();
      const list = followsPluginList ? pluginListIn(update, prefix, logger) : undefined;
      if (list !== undefined) followPluginList(list);
    }, opened.lastKnownGood);
    cleanups.unshift(() => feed.stop());
    if (saver && opened.lastKnownGood === undefined) await saver.flush();
    await pluginListApplied; // workers start on the store's list when it has one
    if (count > 0) {
      const shared = new SharedDictHost(sharedDictFile(process.pid));
      cleanups.unshift(() => shared.close());
      const quotas = await QuotaHost.listen(quotaSocketPath(process.pid));
      cleanups.unshift(() => quotas.close());
      const workers = new WorkerPool({
        count,
        exec: WORKER_ENTRY,
        config: effective(current),
        state: () => ({ revision: feed.revision, items: feed.items().values() }),
        logger,
        drainTimeoutMs: DRAIN_MS,
      });
      pool = workers;
      cleanups.unshift(() => workers.stop(DRAIN_MS));
      await workers.start();
    }
    const exporter = await startMetricsExport({ config, storeKind: store.kind, feed, logger });
    if (exporter) cleanups.unshift(() => exporter.close());
    if (hasAdminApi(config) && store.writable) {
      if (store.kind === 'etcd') {
        await resetPluginList(store, config, logger).catch((err: Error) =>
          logger.error({ err }, `could not sync the plugin list to etcd: ${err.message}`),
        );
      }
      const admin = createAdminServer({
        admin: config.deployment.admin,
        etcdPrefix: config.deployment.etcd.prefix,
        proxyMode: config.apisix.proxy_mode,
        dataEncryption: config.apisix.data_encryption,
        maxBodySize: config.gatehouse.admin_max_body_size,
        store,
        plugins: () => plugins.http,
        streamPlugins: () => plugins.stream,
        // The Admin API's reload also publishes the list to data planes (the Control API's not).
        reloadPlugins: async () => {
          await reloadPlugins();
          if (store.kind === 'etcd') await publishPluginList(store, current);
        },
        ...(pool ? { waitForRevision: pool.waitForRevision.bind(pool) } : {}),
        version: gatehouseVersion(),
        logger,
      });
      const bound = await admin.listen();
      cleanups.unshift(() => admin.close());
      adminUrl = `http://${urlHost(bound.address)}:${bound.port}/apisix/admin`;
    }
    if (config.apisix.enable_control) {
      const control = createControlApi({
        listen: config.apisix.control,
        sources: {
          prefix: config.deployment.etcd.prefix,
          items: () => feed.items(),
          revision: () => feed.revision,
          feedStatus: () => feed.status(),
          enabledPlugins: () => plugins.http.list().map((p) => p.name),
          schema: () => controlSchema(plugins),
          workers: () => pool?.workers() ?? [],
          settle: () => pool?.settle(CONTROL_SETTLE_MS) ?? Promise.resolve(true),
          reloadPlugins,
        },
        logger,
      });
      const bound = await control.listen();
      cleanups.unshift(() => control.close());
      controlUrl = `http://${urlHost(bound.address)}:${bound.port}`;
    }
    if (config.apisix.status) {
      const status = createStatusApi({
        listen: config.apisix.status,
        readiness: () => pool?.readiness() ?? { count: 0, ready: 0 },
        config: () => feed.status(),
        logger,
      });
      const bound = await status.listen();
      cleanups.unshift(() => status.close());
      statusUrl = `http://${urlHost(bound.address)}:${bound.port}`;
    }
  } catch (err) {
    await runCleanups();
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
      await runCleanups();
      logger.info('stopped');
      resolveClosed();
    })();
    return closing;
  };
  const reload = async (): Promise<void> => {
    const next = rereadConfig(current, logger);
    if (next === undefined || closing !== undefined) return;
    try {
      const running = effective(next);
      plugins = await loadPluginSets(running, ++generation);
      current = next;
      if (pool) await pool.replaceAll(running, workerCount(next));
    } catch (err) {
      logger.error({ err }, `reload: not applied: ${(err as Error).message}`);
    }
  };

  if (opts.handleSignals !== false) {
    const uninstall = installSignalHandlers(
      { stop: () => void close(), reload: () => void reload() },
      logger,
    );
    cleanups.push(uninstall);
  }

  tuneTierUp();
  logger.info(
    {
      adminUrl,
      controlUrl,
      statusUrl,
      workers: count,
      provider: config.deployment.config_provider,
      role: config.deployment.role,
    },
    adminUrl === undefined ? 'gatehouse ready' : `gatehouse ready; Admin API at ${adminUrl}`,
  );
  return { config, adminUrl, controlUrl, statusUrl, closed, reload, close };
}
