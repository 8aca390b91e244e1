/**
 * The log hook's work for one request (spec-plugins "prometheus", APISIX `exporter.http_log`):
 * find the request's cells in the index the prepared conf holds, then add to them. Labels are
 * only assembled the first time a combination is seen.
 */
import type { PluginContext } from '../../plugin/types.js';
import { SeriesIndex } from './prometheus-index.js';
import type { RequestSeries, ResponseSource, WorkerMetrics } from './prometheus-metrics.js';

/** What `prepare` makes of a conf: its options and its own index of series. */
export interface PreparedPrometheus {
  readonly preferName: boolean;
  readonly metrics: WorkerMetrics;
  readonly series: SeriesIndex;
}

export function preparePrometheus(preferName: boolean, metrics: WorkerMetrics): PreparedPrometheus {
  return { preferName, metrics, series: new SeriesIndex(metrics) };
}

/** APISIX `core.response.get_response_source`, from what the context tells. */
function sourceOf(ctx: PluginContext): ResponseSource {
  if (ctx.upstreamStatus !== undefined) return 'upstream';
  return ctx.upstreamAddr !== undefined ? 'nginx' : 'apisix';
}

function lookup(p: PreparedPrometheus, ctx: PluginContext): RequestSeries {
  const m = p.metrics;
  p.series.check(m.follow(ctx.env.metadata('prometheus')));
  let route = ctx.routeId ?? '';
  let service = ctx.serviceId ?? '';
  if (p.preferName) {
    route = ctx.var('route_name') || route;
    if (service !== '') service = ctx.var('service_name') || service;
  }
  return p.series.find(
    route,
    service,
    ctx.var('matched_uri') ?? '',
    ctx.var('matched_host') ?? '',
    ctx.consumer?.username ?? '',
    ctx.upstreamAddr ?? '',
    m.extraVariables.length === 0 ? undefined : m.extraVariables.map((v) => ctx.var(v) ?? ''),
  );
}

/**
 * Records one finished request: `http_status`, `http_latency` (request, upstream when proxied,
 * apisix = request − upstream, never below 0) and `bandwidth` (ingress = request length,
 * egress = bytes sent).
 */
export function recordRequest(p: PreparedPrometheus, ctx: PluginContext): void {
  const series = lookup(p, ctx);
  series.status(ctx.response.status, sourceOf(ctx)).value++;
  const total = Date.now() - ctx.startTime;
  series.requestLatency.observe(total);
  const upstream = ctx.upstreamLatencyMs;
  if (upstream === undefined) {
    series.apisixLatency.observe(total);
  } else {
    series.upstreamLatency.observe(upstream);
    series.apisixLatency.observe(total > upstream ? total - upstream : 0);
  }
  series.ingress.value += ctx.numberVar('request_length') ?? 0;
  series.egress.value += ctx.numberVar('bytes_sent') ?? 0;
}
