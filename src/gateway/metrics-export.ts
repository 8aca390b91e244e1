/**
 * The prometheus export server of the primary (spec-plugins "prometheus"; APISIX's privileged
 * agent on `plugin_attr.prometheus.export_addr`): `GET <export_uri>` answers the sum of every
 * worker's metrics (prom-client's AggregatorRegistry asks each worker over node:cluster IPC;
 * Gatehouse's own IPC ignores those messages, see src/cluster/messages.ts) followed by the
 * primary's own: `etcd_reachable` and `etcd_modify_indexes` when the store is etcd. Every scrape
 * is fresh (APISIX serves a copy rendered every `refresh_interval`); scrapes that overlap share
 * one round of IPC.
 */
import { AggregatorRegistry, Gauge, Registry, type PrometheusContentType } from 'prom-client';
import type { GatewayConfig } from '../config/types.js';
import { createJsonServer } from '../control/json-server.js';
import type { Logger } from '../core/logger.js';
import { readAttr } from '../plugins/lib/prometheus-attr.js';
import type { ConfigFeed } from '../store/feed.js';

export interface MetricsExportOptions {
  readonly config: GatewayConfig;
  /** `ConfigStore.kind`: the etcd gauges are only for etcd, as in APISIX. */
  readonly storeKind: string;
  readonly feed: Pick<ConfigFeed, 'items' | 'revision' | 'status'>;
  readonly logger: Logger;
}

export interface MetricsExport {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The resource kinds APISIX reports a modify index for. */
const KINDS = [
  'routes',
  'services',
  'ssls',
  'consumers',
  'global_rules',
  'upstreams',
  'stream_routes',
  'protos',
];

function etcdGauges(registry: Registry, prefix: string, opts: MetricsExportOptions): void {
  const { feed } = opts;
  const keyPrefix = `${opts.config.deployment.etcd.prefix}/`;
  new Gauge({
    name: `${prefix}etcd_reachable`,
    help: 'Config server etcd reachable from APISIX, 0 is unreachable',
    registers: [registry],
    collect() {
      this.set(feed.status().synced ? 1 : 0);
    },
  });
  new Gauge({
    name: `${prefix}etcd_modify_indexes`,
    help: 'Etcd modify index for APISIX keys',
    labelNames: ['key'],
    registers: [registry],
    collect() {
      const max = new Map(KINDS.map((k) => [k, 0]));
      for (const kv of feed.items().values()) {
        if (!kv.key.startsWith(keyPrefix)) continue;
        const slash = kv.key.indexOf('/', keyPrefix.length);
        const kind = kv.key.slice(keyPrefix.length, slash < 0 ? undefined : slash);
        const seen = max.get(kind);
        if (seen !== undefined && kv.modRevision > seen) max.set(kind, kv.modRevision);
      }
      for (const [key, value] of max) this.set({ key }, value);
      this.set({ key: 'max_modify_index' }, Math.max(...max.values()));
      this.set({ key: 'x_etcd_index' }, feed.revision);
    },
  });
}

/**
 * Starts the export server when `enable_export_server` (default true) and `prometheus` is an
 * enabled plugin; undefined otherwise. Call after the workers are forked.
 *
 * @example
 *   const exporter = await startMetricsExport({ config, storeKind: store.kind, feed, logger });
 *   if (exporter) cleanups.unshift(() => exporter.close());
 */
export async function startMetricsExport(
  opts: MetricsExportOptions,
): Promise<MetricsExport | undefined> {
  const { config, logger } = opts;
  const attr = readAttr(config.plugin_attr['prometheus']);
  if (!attr.enableExportServer || !config.plugins.includes('prometheus')) return undefined;
  const workers: AggregatorRegistry<PrometheusContentType> = new AggregatorRegistry();
  const own = new Registry();
  if (opts.storeKind === 'etcd') etcdGauges(own, attr.prefix, opts);

  let pending: Promise<string> | undefined;
  const scrape = async (): Promise<string> => {
    const parts = await Promise.all([workers.clusterMetrics(), own.metrics()]);
    const text = parts.map((p) => p.trimEnd()).filter((p) => p !== '');
    return `${text.join('\n\n')}\n`;
  };
  const server = createJsonServer(
    attr.exportAddr,
    async (req, path) => {
      if (req.method !== 'GET' || path !== attr.exportUri) return { status: 404 };
      pending ??= scrape().finally(() => (pending = undefined));
      try {
        return { status: 200, body: await pending };
      } catch (err) {
        logger.error({ err }, 'prometheus: collecting the workers metrics failed');
        return {
          status: 500,
          body: { message: `Failed to retrieve metrics. err: ${String(err)}` },
        };
      }
    },
    logger,
  );
  const bound = await server.listen();
  logger.info(
    { address: bound.address, port: bound.port, uri: attr.exportUri },
    'prometheus export server listening',
  );
  return { ...bound, close: () => server.close() };
}
