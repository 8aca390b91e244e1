/**
 * prometheus's label sets (spec-plugins "prometheus"): the built-in labels of each metric in
 * APISIX's order, the metadata schema of `disabled_labels`, and what a metadata value makes of
 * it. The AI metrics are listed so that metadata written for APISIX validates; Gatehouse has no
 * AI plugins and records none of them.
 */
import type { JsonSchema } from '../../plugin/types.js';

const WHO = ['consumer', 'node', 'request_type', 'request_llm_model', 'llm_model'];
const BY_ID = ['route_id', 'service_id', ...WHO];
const BY_NAME_AND_ID = ['route', 'route_id', 'service', 'service_id', ...WHO];
const MATCHED = ['matched_uri', 'matched_host'];

/** Built-in labels per metric (without the prefix), in exposition order. */
export const METRIC_LABELS: Readonly<Record<string, readonly string[]>> = {
  http_status: ['code', 'route', ...MATCHED, 'service', ...WHO, 'response_source'],
  http_latency: ['type', 'route', 'service', ...WHO],
  bandwidth: ['type', 'route', 'service', ...WHO],
  llm_latency: ['type', ...BY_ID],
  llm_prompt_tokens: BY_ID,
  llm_completion_tokens: BY_ID,
  llm_active_connections: ['route', 'route_id', ...MATCHED, 'service', 'service_id', ...WHO],
  llm_prompt_tokens_dist: BY_ID,
  llm_completion_tokens_dist: BY_ID,
  ai_cache_hits_total: ['layer', ...BY_NAME_AND_ID],
  ai_cache_misses_total: BY_NAME_AND_ID,
  ai_cache_bypasses_total: BY_NAME_AND_ID,
  ai_cache_embedding_latency: BY_NAME_AND_ID,
};

/** Labels that make a series what it is; blanking them would merge unlike series. */
const STRUCTURAL: Readonly<Record<string, string>> = {
  http_status: 'code',
  http_latency: 'type',
  bandwidth: 'type',
  llm_latency: 'type',
  ai_cache_hits_total: 'layer',
};

/** plugin_metadata: `disabled_labels{<metric>: [label, ...]}`, structural labels refused. */
export const METADATA_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    disabled_labels: {
      type: 'object',
      properties: Object.fromEntries(
        Object.entries(METRIC_LABELS).map(([metric, labels]) => [
          metric,
          {
            type: 'array',
            items: { type: 'string', enum: labels.filter((l) => l !== STRUCTURAL[metric]) },
          },
        ]),
      ),
      additionalProperties: false,
    },
  },
};

/**
 * For each metric, which positions of its built-in labels are blanked (empty when none).
 *
 * @example
 *   disabledPositions({ disabled_labels: { http_status: ['node'] } }).http_status; // [6]
 */
export function disabledPositions(
  metadata: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, readonly number[]>> {
  const out: Record<string, number[]> = {};
  const disabled = metadata?.['disabled_labels'];
  if (disabled === null || typeof disabled !== 'object') return out;
  for (const [metric, names] of Object.entries(disabled as Record<string, unknown>)) {
    const labels = METRIC_LABELS[metric];
    if (labels === undefined || !Array.isArray(names)) continue;
    out[metric] = labels.flatMap((label, i) =>
      label !== STRUCTURAL[metric] && names.includes(label) ? [i] : [],
    );
  }
  return out;
}
