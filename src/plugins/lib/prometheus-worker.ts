/**
 * The worker's one set of prometheus metrics, created on first use from `plugin_attr.prometheus`
 * (as APISIX, a plugin reload keeps the metrics and their values; a new prefix or new buckets
 * take a restart). They live in prom-client's default registry, the one a worker sends when the
 * primary's AggregatorRegistry asks (src/gateway/metrics-export.ts).
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, register, type PrometheusContentType } from 'prom-client';
import type { PluginEnv } from '../../plugin/types.js';
import { readAttr } from './prometheus-attr.js';
import { WorkerMetrics } from './prometheus-metrics.js';

let metrics: WorkerMetrics | undefined;
let answering: AggregatorRegistry<PrometheusContentType> | undefined;

/**
 * @example
 *   const m = workerMetrics(env);
 *   m.status.cell(['200', '1', ...]).value++;
 */
export function workerMetrics(env: PluginEnv): WorkerMetrics {
  if (metrics !== undefined) return metrics;
  metrics = new WorkerMetrics({
    attr: readAttr(env.attr('prometheus')),
    registry: register,
    version: env.version,
  });
  // Constructing one is what makes prom-client answer the primary's requests in a worker.
  if (cluster.isWorker) answering ??= new AggregatorRegistry();
  return metrics;
}
