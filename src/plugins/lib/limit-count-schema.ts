/**
 * limit-count's schemas, field for field as APISIX 3.x (spec-plugins "limit-count"): the route
 * schema with its policy-dependent redis fields (if/then/else on `policy`), and the plugin
 * metadata that names the quota headers.
 */
import type { JsonSchema } from '../../plugin/types.js';

/** `count` and `time_window`: a positive integer, or a template resolved per request. */
const countOrTemplate = (): JsonSchema => ({
  oneOf: [{ type: 'integer', exclusiveMinimum: 0 }, { type: 'string' }],
});

const password = (): JsonSchema => ({ type: 'string', minLength: 0 });
const timeoutMs = (dflt: number): JsonSchema => ({ type: 'integer', minimum: 1, default: dflt });
const flag = (): JsonSchema => ({ type: 'boolean', default: false });
const keepalive = (): Record<string, JsonSchema> => ({
  redis_keepalive_timeout: { type: 'integer', minimum: 1000, default: 10000 },
  redis_keepalive_pool: { type: 'integer', minimum: 1, default: 100 },
});

/** The fields each redis policy adds (APISIX `apisix/utils/redis-schema.lua` + sentinel). */
export const POLICY_FIELDS: Readonly<Record<string, { properties: Record<string, JsonSchema> }>> = {
  redis: {
    properties: {
      redis_host: { type: 'string', minLength: 2 },
      redis_port: { type: 'integer', minimum: 1, default: 6379 },
      redis_username: { type: 'string', minLength: 1 },
      redis_password: password(),
      redis_database: { type: 'integer', minimum: 0, default: 0 },
      redis_timeout: timeoutMs(1000),
      redis_ssl: flag(),
      redis_ssl_verify: flag(),
      ...keepalive(),
    },
  },
  'redis-cluster': {
    properties: {
      redis_cluster_nodes: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', minLength: 2, maxLength: 100 },
      },
      redis_password: password(),
      redis_timeout: timeoutMs(1000),
      redis_cluster_name: { type: 'string' },
      redis_cluster_ssl: flag(),
      redis_cluster_ssl_verify: flag(),
      ...keepalive(),
    },
  },
  'redis-sentinel': {
    properties: {
      redis_sentinels: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: {
            host: { type: 'string', minLength: 2 },
            port: { type: 'integer', minimum: 1, maximum: 65535 },
          },
          required: ['host', 'port'],
          additionalProperties: false,
        },
      },
      redis_master_name: { type: 'string', minLength: 1 },
      redis_role: { type: 'string', enum: ['master', 'slave'], default: 'master' },
      redis_connect_timeout: timeoutMs(1000),
      redis_read_timeout: timeoutMs(1000),
      redis_keepalive_timeout: { type: 'integer', minimum: 1, default: 60000 },
      redis_database: { type: 'integer', minimum: 0, default: 0 },
      redis_username: { type: 'string', minLength: 1 },
      redis_password: password(),
      sentinel_username: { type: 'string', minLength: 1 },
      sentinel_password: password(),
    },
  },
};

const REQUIRED: Readonly<Record<string, string[]>> = {
  redis: ['redis_host'],
  'redis-cluster': ['redis_cluster_nodes', 'redis_cluster_name'],
  'redis-sentinel': ['redis_sentinels', 'redis_master_name'],
};

const policyClause = (policy: string): JsonSchema => ({
  properties: POLICY_FIELDS[policy]?.properties,
  required: REQUIRED[policy],
});
/**
 * APISIX's `if` is `{properties: {policy: {enum: [p]}}}`, seen after api7 wrote the default
 * policy in. `required` keeps it from matching a conf without `policy` when the defaults are
 * not applied first; with them applied it changes nothing.
 */
const whenPolicy = (policy: string): JsonSchema => ({
  properties: { policy: { enum: [policy] } },
  required: ['policy'],
});

/** `sync_interval`'s "off" value. */
export const NO_DELAYED_SYNC = -1;

export const schema: JsonSchema = {
  type: 'object',
  properties: {
    count: countOrTemplate(),
    time_window: countOrTemplate(),
    window_type: { type: 'string', enum: ['fixed', 'sliding'], default: 'fixed' },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          count: countOrTemplate(),
          time_window: countOrTemplate(),
          key: { type: 'string' },
          header_prefix: { type: 'string', description: 'prefix for rate limit headers' },
        },
        required: ['count', 'time_window', 'key'],
      },
    },
    group: { type: 'string' },
    key: { type: 'string', default: 'remote_addr' },
    key_type: { type: 'string', enum: ['var', 'var_combination', 'constant'], default: 'var' },
    rejected_code: { type: 'integer', minimum: 200, maximum: 599, default: 503 },
    rejected_msg: { type: 'string', minLength: 1 },
    policy: {
      type: 'string',
      enum: ['local', 'redis', 'redis-cluster', 'redis-sentinel'],
      default: 'local',
    },
    allow_degradation: { type: 'boolean', default: false },
    show_limit_quota_header: { type: 'boolean', default: true },
    sync_interval: { type: 'number', default: NO_DELAYED_SYNC },
  },
  // APISIX: oneOf [{required: [count, time_window]}, {required: [rules]}], and check_schema
  // rewords "matches both" as "count/time_window and rules cannot be specified at the same
  // time". The `not` lets a conf with both pass here so that `check` can say it in those words.
  oneOf: [
    { required: ['count', 'time_window'] },
    { required: ['rules'], not: { required: ['count', 'time_window'] } },
  ],
  if: whenPolicy('redis'),
  then: policyClause('redis'),
  else: {
    if: whenPolicy('redis-cluster'),
    then: policyClause('redis-cluster'),
    else: { if: whenPolicy('redis-sentinel'), then: policyClause('redis-sentinel') },
  },
};

export const METADATA_DEFAULTS = {
  limit_header: 'X-RateLimit-Limit',
  remaining_header: 'X-RateLimit-Remaining',
  reset_header: 'X-RateLimit-Reset',
} as const;

export const metadataSchema: JsonSchema = {
  type: 'object',
  properties: {
    limit_header: { type: 'string', default: METADATA_DEFAULTS.limit_header },
    remaining_header: { type: 'string', default: METADATA_DEFAULTS.remaining_header },
    reset_header: { type: 'string', default: METADATA_DEFAULTS.reset_header },
  },
};

/** The conf fields that must be equal across every member of a `group` (APISIX's whitelist). */
export function groupFields(policy: string): string[] {
  const own = Object.keys(schema['properties'] as object);
  return [...own, ...Object.keys(POLICY_FIELDS[policy]?.properties ?? {})];
}
