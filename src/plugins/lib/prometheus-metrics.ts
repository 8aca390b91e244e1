/**
 * One worker's prometheus metrics (spec-plugins "prometheus"): the request metrics the log hook
 * records (`http_status`, `http_latency`, `bandwidth`) as cell families, and the gauges read at
 * scrape time (`node_info`, `http_requests_total`, `nginx_http_current_connections`), all in
 * one prom-client Registry that the primary's AggregatorRegistry asks over IPC.
 */
import { hostname } from 'node:os';
import { Gauge, type Registry } from 'prom-client';
import type { PrometheusAttr, RequestMetric } from './prometheus-attr.js';
import { connectionCounts } from './prometheus-connections.js';
import {
  CounterFamily,
  HistogramFamily,
  type CounterCell,
  type HistogramCell,
} from './prometheus-families.js';
import { disabledPositions, METRIC_LABELS } from './prometheus-labels.js';

/** What a request says about itself, before any label is disabled. */
export interface SeriesKey {
  readonly route: string;
  readonly service: string;
  readonly consumer: string;
  readonly node: string;
  readonly matchedUri: string;
  readonly matchedHost: string;
  /** Values of `WorkerMetrics.extraVariables`, in that order. */
  readonly extras: readonly string[];
}

export type ResponseSource = 'apisix' | 'nginx' | 'upstream';
const SOURCES: readonly ResponseSource[] = ['apisix', 'nginx', 'upstream'];

/** APISIX's `$request_type` of a plain HTTP request; Gatehouse has no AI requests. */
const REQUEST_TYPE = 'traditional_http';

/**
 * The cells of one (route, service, consumer, node, matched uri/host, extras): latency and
 * bandwidth directly, status cells per code and response source on first sight.
 */
export class RequestSeries {
  readonly requestLatency: HistogramCell;
  readonly apisixLatency: HistogramCell;
  #upstreamLatency: HistogramCell | undefined;
  readonly ingress: CounterCell;
  readonly egress: CounterCell;
  readonly #status = new Map<number, CounterCell>();
  readonly #metrics: WorkerMetrics;
  readonly #key: SeriesKey;

  constructor(metrics: WorkerMetrics, key: SeriesKey) {
    this.#metrics = metrics;
    this.#key = key;
    const latency = (type: string): HistogramCell =>
      metrics.latency.cell(metrics.labelValues('http_latency', type, key));
    const bandwidth = (type: string): CounterCell =>
      metrics.bandwidth.cell(metrics.labelValues('bandwidth', type, key));
    this.requestLatency = latency('request');
    this.apisixLatency = latency('apisix');
    this.ingress = bandwidth('ingress');
    this.egress = bandwidth('egress');
  }

  /** Created on first use: a route that never proxies has no upstream series, as in APISIX. */
  get upstreamLatency(): HistogramCell {
    this.#upstreamLatency ??= this.#metrics.latency.cell(
      this.#metrics.labelValues('http_latency', 'upstream', this.#key),
    );
    return this.#upstreamLatency;
  }

  status(code: number, source: ResponseSource): CounterCell {
    const slot = code * 4 + SOURCES.indexOf(source);
    let cell = this.#status.get(slot);
    if (cell === undefined) {
      const values = this.#metrics.labelValues('http_status', String(code), this.#key, source);
      cell = this.#metrics.status.cell(values);
      this.#status.set(slot, cell);
    }
    return cell;
  }
}

export interface WorkerMetricsOptions {
  readonly attr: PrometheusAttr;
  readonly registry: Registry;
  /** `node_info{version}`. */
  readonly version: string;
}

export class WorkerMetrics {
  readonly attr: PrometheusAttr;
  readonly status: CounterFamily;
  readonly latency: HistogramFamily;
  readonly bandwidth: CounterFamily;
  /** The variables every extra label reads, each once. */
  readonly extraVariables: readonly string[];
  /** Per metric, the index into `extraVariables` of each of its extra labels. */
  readonly #extraIndex: Readonly<Record<RequestMetric, readonly number[]>>;
  #metadata: Readonly<Record<string, unknown>> | undefined;
  #metadataText = 'null';
  #disabled: Readonly<Record<string, readonly number[]>> = {};
  /** Bumped when `disabled_labels` changes: every cached RequestSeries is stale. */
  generation = 0;

  constructor(opts: WorkerMetricsOptions) {
    const { attr, registry } = opts;
    this.attr = attr;
    const names = (metric: RequestMetric): string[] => [
      ...METRIC_LABELS[metric]!,
      ...attr.extraLabels[metric].map((e) => e.name),
    ];
    const p = attr.prefix;
    this.status = new CounterFamily(
      `${p}http_status`,
      'HTTP status codes per service in APISIX',
      names('http_status'),
    );
    this.latency = new HistogramFamily(
      `${p}http_latency`,
      'HTTP request latency in milliseconds per service in APISIX',
      names('http_latency'),
      attr.buckets,
    );
    this.bandwidth = new CounterFamily(
      `${p}bandwidth`,
      'Total bandwidth in bytes consumed per service in APISIX',
      names('bandwidth'),
    );
    const variables = [
      ...new Set(Object.values(attr.extraLabels).flatMap((list) => list.map((e) => e.variable))),
    ];
    this.extraVariables = variables;
    const indexOf = (metric: RequestMetric): number[] =>
      attr.extraLabels[metric].map((e) => variables.indexOf(e.variable));
    this.#extraIndex = {
      http_status: indexOf('http_status'),
      http_latency: indexOf('http_latency'),
      bandwidth: indexOf('bandwidth'),
    };
    this.status.registerIn(registry);
    this.latency.registerIn(registry);
    this.bandwidth.registerIn(registry);
    registerGauges(registry, p, opts.version);
  }

  /**
   * Follows plugin_metadata `disabled_labels`; returns the generation. Called per request with
   * what PluginEnv.metadata returned: an unchanged object costs one comparison.
   */
  follow(metadata: Readonly<Record<string, unknown>> | undefined): number {
    if (metadata === this.#metadata) return this.generation;
    this.#metadata = metadata;
    const text = JSON.stringify(metadata?.['disabled_labels'] ?? null);
    if (text !== this.#metadataText) {
      this.#metadataText = text;
      this.#disabled = disabledPositions(metadata);
      this.generation++;
    }
    return this.generation;
  }

  /** The label values of one series of `metric`, disabled labels blanked. */
  labelValues(metric: RequestMetric, first: string, key: SeriesKey, source?: string): string[] {
    const values =
      metric === 'http_status'
        ? [
            first,
            key.route,
            key.matchedUri,
            key.matchedHost,
            key.service,
            key.consumer,
            key.node,
            REQUEST_TYPE,
            '',
            '',
            source ?? '',
          ]
        : [first, key.route, key.service, key.consumer, key.node, REQUEST_TYPE, '', ''];
    for (const i of this.#disabled[metric] ?? []) values[i] = '';
    for (const i of this.#extraIndex[metric]) values.push(key.extras[i] ?? '');
    return values;
  }
}

function registerGauges(registry: Registry, prefix: string, version: string): void {
  const host = hostname();
  new Gauge({
    name: `${prefix}node_info`,
    help: 'Info of APISIX node',
    labelNames: ['hostname', 'version'],
    registers: [registry],
    // Every worker reports the same node: one series of 1, not one per worker.
    aggregator: 'first',
    collect() {
      this.set({ hostname: host, version }, 1);
    },
  });
  const counts = connectionCounts();
  new Gauge({
    name: `${prefix}http_requests_total`,
    help: 'The total number of client requests since APISIX started',
    registers: [registry],
    collect() {
      this.set(counts.requests);
    },
  });
  new Gauge({
    name: `${prefix}nginx_http_current_connections`,
    help: 'Number of HTTP connections',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'active' }, counts.active);
      this.set({ state: 'accepted' }, counts.accepted);
      this.set({ state: 'handled' }, counts.accepted);
      // A request is counted once its headers are parsed; Node does not tell reading apart.
      this.set({ state: 'reading' }, 0);
      this.set({ state: 'writing' }, counts.writing);
      this.set({ state: 'waiting' }, Math.max(0, counts.active - counts.writing));
    },
  });
}
