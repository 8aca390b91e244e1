import { HTTP_METHODS } from '../core/http-methods.js';
import type { JsonSchema } from '../plugin/types.js';
import {
  CERTIFICATE_SCHEMA,
  HOST_DEF,
  ID_SCHEMA,
  METADATA_PROPERTIES,
  PRIVATE_KEY_SCHEMA,
  TIMEOUT_DEF,
} from './common.js';

/** The upstream schema (APISIX `core.schema.upstream`), shared by routes, services, stream routes. */

const statuses = (dflt: number[]): JsonSchema => ({
  type: 'array',
  minItems: 1,
  items: { type: 'integer', minimum: 200, maximum: 599 },
  uniqueItems: true,
  default: dflt,
});

const counter = (min: number, dflt: number): JsonSchema => ({
  type: 'integer',
  minimum: min,
  maximum: 254,
  default: dflt,
});

const PROBE_TYPE: JsonSchema = { type: 'string', enum: ['http', 'https', 'tcp'], default: 'http' };

const HEALTH_CHECKER_ACTIVE: JsonSchema = {
  type: 'object',
  properties: {
    type: PROBE_TYPE,
    timeout: { type: 'number', default: 1 },
    concurrency: { type: 'integer', default: 10 },
    host: HOST_DEF,
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    http_method: { type: 'string', enum: HTTP_METHODS, default: 'GET' },
    http_path: { type: 'string', default: '/' },
    http_req_body: { type: 'string', default: '' },
    https_verify_certificate: { type: 'boolean', default: true },
    healthy: {
      type: 'object',
      properties: {
        interval: { type: 'integer', minimum: 1, default: 1 },
        http_statuses: statuses([200, 302]),
        successes: counter(1, 2),
      },
    },
    unhealthy: {
      type: 'object',
      properties: {
        interval: { type: 'integer', minimum: 1, default: 1 },
        http_statuses: statuses([429, 404, 500, 501, 502, 503, 504, 505]),
        http_failures: counter(1, 5),
        tcp_failures: counter(1, 2),
        timeouts: counter(1, 3),
      },
    },
    req_headers: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', uniqueItems: true },
    },
  },
};

const HEALTH_CHECKER_PASSIVE: JsonSchema = {
  type: 'object',
  properties: {
    type: PROBE_TYPE,
    healthy: {
      type: 'object',
      properties: {
        http_statuses: statuses([
          200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307,
          308,
        ]),
        successes: counter(0, 5),
      },
    },
    unhealthy: {
      type: 'object',
      properties: {
        http_statuses: statuses([429, 500, 503]),
        tcp_failures: counter(0, 2),
        timeouts: counter(0, 7),
        http_failures: counter(0, 5),
      },
    },
  },
};

export const HEALTH_CHECKER: JsonSchema = {
  type: 'object',
  properties: { active: HEALTH_CHECKER_ACTIVE, passive: HEALTH_CHECKER_PASSIVE },
  anyOf: [{ required: ['active'] }, { required: ['active', 'passive'] }],
};

const NODES_SCHEMA: JsonSchema = {
  anyOf: [
    {
      type: 'object',
      patternProperties: { '.*': { description: 'weight of node', type: 'integer', minimum: 0 } },
    },
    {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          host: HOST_DEF,
          port: { description: 'port of node', type: 'integer', minimum: 1, maximum: 65535 },
          weight: { description: 'weight of node', type: 'integer', minimum: 0 },
          priority: { description: 'priority of node', type: 'integer', default: 0 },
          metadata: { description: 'metadata of node', type: 'object' },
        },
        required: ['host', 'weight'],
      },
    },
  ],
};

export const UPSTREAM_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    ...METADATA_PROPERTIES,
    nodes: NODES_SCHEMA,
    retries: { type: 'integer', minimum: 0 },
    retry_timeout: { type: 'number', minimum: 0 },
    timeout: TIMEOUT_DEF,
    tls: {
      type: 'object',
      properties: {
        client_cert_id: ID_SCHEMA,
        client_cert: CERTIFICATE_SCHEMA,
        client_key: PRIVATE_KEY_SCHEMA,
        verify: { type: 'boolean', default: false },
      },
      dependencies: {
        client_cert: { required: ['client_key'] },
        client_key: { required: ['client_cert'] },
        client_cert_id: { not: { required: ['client_cert', 'client_key'] } },
      },
    },
    keepalive_pool: {
      type: 'object',
      properties: {
        size: { type: 'integer', default: 320, minimum: 1 },
        idle_timeout: { type: 'number', default: 60, minimum: 0 },
        requests: { type: 'integer', default: 1000, minimum: 1 },
      },
    },
    // Not an enum: APISIX accepts any balancer name and fails at request time.
    type: { type: 'string', default: 'roundrobin' },
    checks: HEALTH_CHECKER,
    hash_on: {
      type: 'string',
      default: 'vars',
      enum: ['vars', 'header', 'cookie', 'consumer', 'vars_combinations'],
    },
    key: { type: 'string' },
    scheme: {
      default: 'http',
      enum: ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'udp', 'kafka'],
    },
    discovery_type: { type: 'string' },
    discovery_args: {
      type: 'object',
      properties: { namespace_id: { type: 'string' }, group_name: { type: 'string' } },
    },
    pass_host: { type: 'string', enum: ['pass', 'node', 'rewrite'], default: 'pass' },
    upstream_host: HOST_DEF,
    service_name: { type: 'string', maxLength: 256, minLength: 1 },
  },
  oneOf: [{ required: ['nodes'] }, { required: ['service_name', 'discovery_type'] }],
  additionalProperties: false,
};

/** chash `key` when `hash_on` is `vars`. */
export const UPSTREAM_HASH_VARS_SCHEMA: JsonSchema = {
  type: 'string',
  pattern:
    '^((uri|server_name|server_addr|request_uri|remote_port|remote_addr|query_string|host|hostname|mqtt_client_id)|arg_[0-9a-zA-z_-]+)$',
};

/** chash `key` when `hash_on` is `header` or `cookie`. */
export const UPSTREAM_HASH_HEADER_SCHEMA: JsonSchema = {
  type: 'string',
  pattern: '^[a-zA-Z0-9-_]+$',
};

export const UPSTREAM_HASH_VARS_COMBINATIONS_SCHEMA: JsonSchema = { type: 'string' };
