import { HTTP_METHODS } from '../core/http-methods.js';
import type { JsonSchema } from '../plugin/types.js';

/**
 * Schema pieces shared by several resource kinds (APISIX `schema_def.lua`). They are defined once
 * here and referenced (not copied) by each resource schema, so GET /apisix/admin/schema/<name>
 * serves them inlined, as APISIX does.
 */

export const ID_SCHEMA: JsonSchema = {
  anyOf: [
    { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-_.]+$' },
    { type: 'integer', minimum: 1 },
  ],
};

export const HOST_DEF_PATTERN = '^\\*$|^\\*?[0-9a-zA-Z-._\\[\\]:]+$';
export const HOST_DEF: JsonSchema = { type: 'string', pattern: HOST_DEF_PATTERN };

const IPV4_SEG = '([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])';
const IPV4_DEF = [IPV4_SEG, IPV4_SEG, IPV4_SEG, IPV4_SEG].join('\\.');
// Deliberately loose (as in APISIX): a strict IPv6/CIDR regex would be unreadable.
const IPV6_DEF = '([a-fA-F0-9]{0,4}:){1,8}(:[a-fA-F0-9]{0,4}){0,8}([a-fA-F0-9]{0,4})?';

export const IP_DEF: readonly JsonSchema[] = [
  { title: 'IPv4', type: 'string', format: 'ipv4' },
  { title: 'IPv4/CIDR', type: 'string', pattern: `^${IPV4_DEF}/([12]?[0-9]|3[0-2])$` },
  { title: 'IPv6', type: 'string', format: 'ipv6' },
  { title: 'IPv6/CIDR', type: 'string', pattern: `^${IPV6_DEF}/[0-9]{1,3}$` },
];

export const REMOTE_ADDR_DEF: JsonSchema = {
  description: 'client IP',
  type: 'string',
  anyOf: IP_DEF,
};

export const URI_DEF: JsonSchema = {
  type: 'string',
  pattern: '^[^\\/]+:\\/\\/([\\da-zA-Z.-]+|\\[[\\da-fA-F:]+\\])(:\\d+)?',
};

export const TIMESTAMP_DEF: JsonSchema = { type: 'integer' };

export const LABELS_DEF: JsonSchema = {
  description: 'key/value pairs to specify attributes',
  type: 'object',
  patternProperties: {
    '.*': {
      description: 'value of label',
      type: 'string',
      pattern: '^\\S+$',
      maxLength: 256,
      minLength: 1,
    },
  },
};

export const NAME_DEF: JsonSchema = { type: 'string', maxLength: 256, minLength: 1 };
export const DESC_DEF: JsonSchema = { type: 'string', maxLength: 256 };

export const TIMEOUT_DEF: JsonSchema = {
  type: 'object',
  properties: {
    connect: { type: 'number', exclusiveMinimum: 0 },
    send: { type: 'number', exclusiveMinimum: 0 },
    read: { type: 'number', exclusiveMinimum: 0 },
  },
  required: ['connect', 'send', 'read'],
};

export const METHOD_SCHEMA: JsonSchema = {
  description: 'HTTP method',
  type: 'string',
  enum: HTTP_METHODS,
};

export const CERTIFICATE_SCHEMA: JsonSchema = { type: 'string', minLength: 128, maxLength: 65536 };
export const PRIVATE_KEY_SCHEMA: JsonSchema = { type: 'string', minLength: 64, maxLength: 65536 };

/** A `plugins` map: its values are checked plugin by plugin (plugins-check.ts). */
export const PLUGINS_SCHEMA: JsonSchema = { type: 'object' };

/** Script fields carry Lua source for the dashboard's plugin orchestration. */
export const SCRIPT_SCHEMA: JsonSchema = { type: 'string', minLength: 10, maxLength: 102400 };

/** `id, name, desc, labels, create_time, update_time`: the metadata most resources carry. */
export const METADATA_PROPERTIES: Readonly<Record<string, JsonSchema>> = {
  id: ID_SCHEMA,
  name: NAME_DEF,
  desc: DESC_DEF,
  labels: LABELS_DEF,
  create_time: TIMESTAMP_DEF,
  update_time: TIMESTAMP_DEF,
};
