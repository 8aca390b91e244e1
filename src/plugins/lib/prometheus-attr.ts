/**
 * `plugin_attr.prometheus` of config.yaml, read once into typed settings (spec-plugins
 * "prometheus"). Values of the wrong type fall back to APISIX's defaults, as its exporter reads
 * them without a schema.
 */

/** APISIX's latency buckets in ms, 1 ms to 60 s. */
export const DEFAULT_BUCKETS: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000,
];

/** One `extra_labels` entry: the label's name and the variable (without `$`) it reads. */
export interface ExtraLabel {
  readonly name: string;
  readonly variable: string;
}

/** The three request metrics that take extra labels. */
export type RequestMetric = 'http_status' | 'http_latency' | 'bandwidth';

export interface PrometheusAttr {
  /** `metric_prefix`, default `apisix_`. */
  readonly prefix: string;
  /** `default_buckets` of `http_latency`, ascending. */
  readonly buckets: readonly number[];
  /** `metrics.<name>.extra_labels`. */
  readonly extraLabels: Readonly<Record<RequestMetric, readonly ExtraLabel[]>>;
  readonly enableExportServer: boolean;
  readonly exportUri: string;
  readonly exportAddr: { readonly ip: string; readonly port: number };
}

type Attr = Readonly<Record<string, unknown>> | undefined;

function objectAt(value: unknown, key: string): Readonly<Record<string, unknown>> | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = (value as Record<string, unknown>)[key];
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function buckets(value: unknown): readonly number[] {
  if (!Array.isArray(value)) return DEFAULT_BUCKETS;
  const numbers = value.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (numbers.length === 0) return DEFAULT_BUCKETS;
  return [...new Set(numbers)].sort((a, b) => a - b);
}

/** `[{upstream_addr: $upstream_addr}, ...]`: one single-key map per label. */
function extraLabels(attr: Attr, metric: RequestMetric): readonly ExtraLabel[] {
  const list = objectAt(objectAt(attr, 'metrics'), metric)?.['extra_labels'];
  if (!Array.isArray(list)) return [];
  const out: ExtraLabel[] = [];
  for (const item of list) {
    if (item === null || typeof item !== 'object') continue;
    for (const [name, value] of Object.entries(item as Record<string, unknown>)) {
      if (typeof value !== 'string') continue;
      out.push({ name, variable: value.startsWith('$') ? value.slice(1) : value });
    }
  }
  return out;
}

function exportAddr(value: unknown): { ip: string; port: number } {
  if (typeof value === 'number') return { ip: '127.0.0.1', port: value };
  const addr =
    value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  return {
    ip: typeof addr['ip'] === 'string' ? addr['ip'] : '127.0.0.1',
    port: typeof addr['port'] === 'number' ? addr['port'] : 9091,
  };
}

/**
 * @example
 *   readAttr(env.attr('prometheus')).prefix; // 'apisix_'
 */
export function readAttr(attr: Attr): PrometheusAttr {
  const prefix = attr?.['metric_prefix'];
  const uri = attr?.['export_uri'];
  return {
    prefix: typeof prefix === 'string' ? prefix : 'apisix_',
    buckets: buckets(attr?.['default_buckets']),
    extraLabels: {
      http_status: extraLabels(attr, 'http_status'),
      http_latency: extraLabels(attr, 'http_latency'),
      bandwidth: extraLabels(attr, 'bandwidth'),
    },
    enableExportServer: attr?.['enable_export_server'] !== false,
    exportUri: typeof uri === 'string' ? uri : '/apisix/prometheus/metrics',
    exportAddr: exportAddr(attr?.['export_addr']),
  };
}
