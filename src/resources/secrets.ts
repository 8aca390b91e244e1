import type { JsonSchema } from '../plugin/types.js';
import { URI_DEF } from './common.js';
import { fail } from './fail.js';
import { defineKind } from './kind.js';

/** Secret manager schemas (APISIX `apisix/secret/<manager>.lua`). */
export const SECRET_MANAGER_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  vault: {
    type: 'object',
    properties: {
      uri: URI_DEF,
      prefix: { type: 'string' },
      token: { type: 'string' },
      namespace: { type: 'string' },
    },
    required: ['uri', 'prefix', 'token'],
  },
  aws: {
    type: 'object',
    properties: {
      access_key_id: { type: 'string' },
      secret_access_key: { type: 'string' },
      session_token: { type: 'string' },
      region: { type: 'string', default: 'us-east-1' },
      endpoint_url: URI_DEF,
    },
    required: ['access_key_id', 'secret_access_key'],
  },
  gcp: {
    type: 'object',
    properties: {
      auth_config: {
        type: 'object',
        properties: {
          client_email: { type: 'string' },
          private_key: { type: 'string' },
          project_id: { type: 'string' },
          token_uri: { type: 'string', default: 'https://oauth2.googleapis.com/token' },
          scope: {
            type: 'array',
            items: { type: 'string' },
            default: ['https://www.googleapis.com/auth/cloud-platform'],
          },
          entries_uri: { type: 'string', default: 'https://secretmanager.googleapis.com/v1' },
        },
        required: ['client_email', 'private_key', 'project_id'],
      },
      ssl_verify: { type: 'boolean', default: true },
      auth_file: { type: 'string' },
    },
    oneOf: [{ required: ['auth_config'] }, { required: ['auth_file'] }],
  },
};

/** The manager of a secret id `<manager>/<id>` (the Admin API rejects unknown ones first). */
export function secretManagerOf(id: string): string {
  return id.split('/')[0] ?? '';
}

const ANY_OBJECT: JsonSchema = { type: 'object' };

export const secrets = defineKind({
  dir: 'secrets',
  kind: 'secret',
  schema: ANY_OBJECT,
  unsupportedMethods: ['POST'],
  schemaFor(id) {
    const manager = secretManagerOf(id);
    const schema = SECRET_MANAGER_SCHEMAS[manager];
    if (schema === undefined) fail(`invalid secret manager: ${manager}`);
    return schema;
  },
  // A stored secret carries `id: "<manager>/<id>"`.
  defaultsSchemaFor: (value) =>
    SECRET_MANAGER_SCHEMAS[secretManagerOf(String(value.id))] ?? ANY_OBJECT,
});
