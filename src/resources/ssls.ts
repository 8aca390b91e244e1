import { isSecretRef } from '../core/secret-ref.js';
import type { JsonSchema } from '../plugin/types.js';
import {
  CERTIFICATE_SCHEMA,
  DESC_DEF,
  HOST_DEF_PATTERN,
  ID_SCHEMA,
  LABELS_DEF,
  PRIVATE_KEY_SCHEMA,
  TIMESTAMP_DEF,
} from './common.js';
import { fail, isObject } from './fail.js';
import { defineKind } from './kind.js';
import { checkCert, checkCertKey } from './pem.js';
import type { CheckMode, ResourceValue } from './types.js';

export const SSL_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    id: ID_SCHEMA,
    desc: DESC_DEF,
    labels: LABELS_DEF,
    create_time: TIMESTAMP_DEF,
    update_time: TIMESTAMP_DEF,
    type: { type: 'string', default: 'server', enum: ['server', 'client'] },
    cert: CERTIFICATE_SCHEMA,
    key: PRIVATE_KEY_SCHEMA,
    sni: { type: 'string', pattern: HOST_DEF_PATTERN },
    snis: { type: 'array', items: { type: 'string', pattern: HOST_DEF_PATTERN }, minItems: 1 },
    certs: { type: 'array', items: CERTIFICATE_SCHEMA },
    keys: { type: 'array', items: PRIVATE_KEY_SCHEMA },
    client: {
      type: 'object',
      properties: {
        ca: CERTIFICATE_SCHEMA,
        depth: { type: 'integer', minimum: 0, default: 1 },
        skip_mtls_uri_regex: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { type: 'string' },
        },
      },
      required: ['ca'],
    },
    status: { type: 'integer', enum: [1, 0], default: 1 },
    ssl_protocols: {
      type: 'array',
      maxItems: 3,
      uniqueItems: true,
      items: { enum: ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'] },
    },
  },
  if: { properties: { type: { enum: ['server'] } } },
  then: {
    oneOf: [{ required: ['sni', 'key', 'cert'] }, { required: ['snis', 'key', 'cert'] }],
  },
  else: { required: ['key', 'cert'] },
  additionalProperties: false,
};

/** PEM checks of APISIX `ssl.lua` `check_ssl_conf`; secret references are resolved later. */
function checkPem(conf: ResourceValue, mode: CheckMode): void {
  const requirePem = mode !== 'load';
  const { cert, key } = conf;
  if (
    typeof cert === 'string' &&
    typeof key === 'string' &&
    !isSecretRef(cert) &&
    !isSecretRef(key)
  ) {
    const err = checkCertKey(cert, key, requirePem);
    if (err !== undefined) fail(err);
  }
  if (conf.type === 'client') return;
  const certs = Array.isArray(conf.certs) ? conf.certs : [];
  const keys = Array.isArray(conf.keys) ? conf.keys : [];
  if (certs.length !== keys.length) fail('mismatched number of certs and keys');
  certs.forEach((c, i) => {
    const k: unknown = keys[i];
    if (typeof c !== 'string' || typeof k !== 'string' || isSecretRef(c) || isSecretRef(k)) return;
    const err = checkCertKey(c, k, requirePem);
    if (err !== undefined) fail(`failed to handle cert-key pair[${i + 1}]: ${err}`);
  });
  const ca = isObject(conf.client) ? conf.client.ca : undefined;
  if (typeof ca === 'string' && !isSecretRef(ca)) {
    const err = checkCert(ca);
    if (err !== undefined) fail(`failed to validate client_cert: ${err}`);
  }
}

export const ssls = defineKind({
  dir: 'ssls',
  kind: 'ssl',
  schema: SSL_SCHEMA,
  extras: (_id, conf, _ctx, mode) => Promise.resolve(checkPem(conf, mode)),
});
