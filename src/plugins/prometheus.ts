/**
 * prometheus (spec-plugins "prometheus", APISIX `apisix/plugins/prometheus.lua`): counts every
 * request a route, service or global rule enables it on, in the log phase. Metrics are kept per
 * worker; the primary serves their sum on `plugin_attr.prometheus.export_addr`
 * (src/gateway/metrics-export.ts). `prefer_route`: a global rule's copy is skipped when the
 * route enables it too, so a request is counted once.
 */
import type { PluginDefinition } from '../plugin/types.js';
import { METADATA_SCHEMA } from './lib/prometheus-labels.js';
import {
  preparePrometheus,
  recordRequest,
  type PreparedPrometheus,
} from './lib/prometheus-record.js';
import { workerMetrics } from './lib/prometheus-worker.js';

interface PrometheusConf {
  /** Route and service names instead of ids in the labels. */
  prefer_name: boolean;
}

const plugin: PluginDefinition<PrometheusConf, PreparedPrometheus> = {
  name: 'prometheus',
  version: 0.2,
  priority: 500,
  runPolicy: 'prefer_route',
  schema: {
    type: 'object',
    properties: { prefer_name: { type: 'boolean', default: false } },
  },
  metadataSchema: METADATA_SCHEMA,
  init(env) {
    workerMetrics(env);
  },
  prepare: (conf, env) => preparePrometheus(conf.prefer_name, workerMetrics(env)),
  log: recordRequest,
};

export default plugin;
