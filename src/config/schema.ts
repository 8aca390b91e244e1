import { Ajv, type ErrorObject } from 'ajv';
import { configError, typeName, type KeyPath } from './config-error.js';
import type { GatehouseError } from '../core/errors.js';
import type { ConfigDoc } from './defaults.js';

const port = { type: 'integer', minimum: 0, maximum: 65535 };
const address = { type: 'object', properties: { ip: { type: 'string' }, port } };
const strings = { type: 'array', items: { type: 'string' } };
// `minimum`/`maximum` apply to the bare-port form only; the object form checks its `port`.
const listen = {
  type: ['integer', 'object'],
  minimum: 0,
  maximum: 65535,
  properties: { ip: { type: 'string' }, port },
};

/**
 * The JSON schema of the keys GatewayConfig types (the merge already checked every key against
 * the defaults' types; this adds enums, ranges and item shapes). Other keys pass through as APISIX
 * would keep them.
 */
const CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    apisix: {
      type: 'object',
      properties: {
        node_listen: { type: ['integer', 'array'], minimum: 0, maximum: 65535, items: listen },
        enable_admin: { type: 'boolean' },
        enable_control: { type: 'boolean' },
        enable_ipv6: { type: 'boolean' },
        enable_http2: { type: 'boolean' },
        enable_server_tokens: { type: 'boolean' },
        control: address,
        status: address,
        proxy_mode: { enum: ['http', 'stream', 'http&stream'] },
        router: {
          type: 'object',
          properties: { http: { type: 'string' }, ssl: { type: 'string' } },
        },
        ssl: {
          type: 'object',
          properties: {
            enable: { type: 'boolean' },
            listen: { type: 'array', items: address },
            ssl_protocols: { type: 'string' },
            ssl_ciphers: { type: 'string' },
            ssl_session_tickets: { type: 'boolean' },
            fallback_sni: { type: 'string' },
          },
        },
        data_encryption: {
          type: 'object',
          properties: {
            enable_encrypt_fields: { type: 'boolean' },
            keyring: { type: ['string', 'array'], items: { type: 'string' } },
          },
        },
      },
    },
    nginx_config: {
      type: 'object',
      properties: {
        worker_processes: { anyOf: [{ type: 'integer', minimum: 1 }, { const: 'auto' }] },
        http: {
          type: 'object',
          properties: {
            real_ip_header: { type: 'string' },
            real_ip_from: strings,
            real_ip_recursive: { type: 'string' },
          },
        },
      },
    },
    plugins: strings,
    stream_plugins: strings,
    plugin_attr: { type: 'object', additionalProperties: { type: 'object' } },
    deployment: {
      type: 'object',
      required: ['role'],
      properties: {
        role: { enum: ['traditional', 'data_plane', 'control_plane'] },
        role_traditional: {
          type: 'object',
          properties: { config_provider: { enum: ['embedded', 'etcd', 'yaml'] } },
        },
        role_data_plane: {
          type: 'object',
          required: ['config_provider'],
          properties: { config_provider: { enum: ['etcd', 'yaml'] } },
        },
        role_control_plane: {
          type: 'object',
          required: ['config_provider'],
          properties: { config_provider: { enum: ['etcd'] } },
        },
        admin: {
          type: 'object',
          properties: {
            admin_key_required: { type: 'boolean' },
            admin_key: {
              type: 'array',
              items: {
                type: 'object',
                required: ['key', 'role'],
                properties: {
                  name: { type: 'string' },
                  key: { type: 'string' },
                  role: { enum: ['admin', 'viewer'] },
                },
              },
            },
            enable_admin_cors: { type: 'boolean' },
            allow_admin: strings,
            admin_listen: address,
            admin_api_version: { const: 'v3' },
          },
        },
        etcd: {
          type: 'object',
          required: ['host', 'prefix'],
          properties: {
            host: {
              type: 'array',
              minItems: 1,
              items: { type: 'string', pattern: '^https?://' },
            },
            prefix: { type: 'string' },
            timeout: { type: 'integer', minimum: 1 },
            watch_timeout: { type: 'integer', minimum: 1 },
            startup_retry: { type: 'integer', minimum: 0 },
            user: { type: 'string' },
            password: { type: 'string' },
            tls: {
              type: 'object',
              properties: {
                cert: { type: 'string' },
                key: { type: 'string' },
                verify: { type: 'boolean' },
                sni: { type: 'string' },
              },
            },
          },
        },
      },
    },
    gatehouse: {
      type: 'object',
      additionalProperties: false,
      properties: {
        data_dir: { type: 'string', minLength: 1 },
        pid_file: { type: 'string', minLength: 1 },
        standalone_file: { type: 'string', minLength: 1 },
        admin_max_body_size: { type: 'integer', minimum: 1 },
        plugin_dir: { type: 'string', minLength: 1 },
      },
    },
  },
};

// strictTypes off: `listen` mixes integer and object on purpose (APISIX accepts both forms).
const validate = new Ajv({ allErrors: false, verbose: true, strictTypes: false }).compile(
  CONFIG_SCHEMA,
);

/** JSON pointer `/deployment/admin_key/0` → path segments, indexes as numbers where data is an array. */
function pointerToPath(pointer: string, doc: unknown): (string | number)[] {
  const out: (string | number)[] = [];
  let cursor: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cursor)) {
      out.push(Number(seg));
      cursor = cursor[Number(seg)];
    } else {
      out.push(seg);
      cursor = (cursor as Record<string, unknown> | undefined)?.[seg];
    }
  }
  return out;
}

function describe(err: ErrorObject): { extra?: string; problem: string } {
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'type':
      return { problem: `expected ${String(params['type'])}, got ${typeName(err.data)}` };
    case 'enum':
      return {
        problem: `must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(err.data)}`,
      };
    case 'const':
      return { problem: `must be ${JSON.stringify(params['allowedValue'])}` };
    case 'required':
      return { extra: String(params['missingProperty']), problem: 'is required' };
    case 'additionalProperties':
      return { extra: String(params['additionalProperty']), problem: 'unknown key' };
    case 'anyOf':
      return { problem: `invalid value ${JSON.stringify(err.data)}` };
    default:
      return { problem: err.message ?? 'invalid value' };
  }
}

/** Checks the merged document; returns the first problem as a GH_ERR_CONFIG_INVALID error. */
export function checkSchema(doc: ConfigDoc, fileLabel: string): GatehouseError | undefined {
  if (validate(doc)) return undefined;
  // A failed anyOf reports its branches' errors first; the anyOf error itself reads better.
  const errors = validate.errors ?? [];
  const err = errors.find((e) => e.keyword === 'anyOf') ?? errors[0];
  if (err === undefined) return configError(fileLabel, [], 'invalid configuration');
  const { extra, problem } = describe(err);
  const path: KeyPath = pointerToPath(err.instancePath, doc);
  return configError(fileLabel, extra === undefined ? path : [...path, extra], problem);
}
