import type { JsonSchema } from '../plugin/types.js';
import { SCRIPT_UNSUPPORTED, checkJsFunction } from './code-fields.js';
import {
  HOST_DEF,
  ID_SCHEMA,
  METADATA_PROPERTIES,
  METHOD_SCHEMA,
  PLUGINS_SCHEMA,
  REMOTE_ADDR_DEF,
  SCRIPT_SCHEMA,
  TIMEOUT_DEF,
} from './common.js';
import { fail, isObject, requireReference } from './fail.js';
import { defineKind } from './kind.js';
import { checkPlugins } from './plugins-check.js';
import { postArgPathError } from './post-arg-path.js';
import type { CheckContext, CheckMode, ResourceValue } from './types.js';
import { checkUpstream } from './upstream-check.js';
import { UPSTREAM_SCHEMA } from './upstream-schema.js';
import { checkVarsExpr } from './vars-expr.js';

/** `either` or `or`, but not both, and neither is fine. */
const atMostOne = (a: string, b: string): JsonSchema => ({
  oneOf: [
    { not: { anyOf: [{ required: [a] }, { required: [b] }] } },
    { required: [a] },
    { required: [b] },
  ],
});

export const ROUTE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    ...METADATA_PROPERTIES,
    uri: { type: 'string', minLength: 1, maxLength: 4096 },
    uris: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
    priority: { type: 'integer', default: 0 },
    methods: { type: 'array', items: METHOD_SCHEMA, uniqueItems: true },
    host: HOST_DEF,
    hosts: { type: 'array', items: HOST_DEF, minItems: 1, uniqueItems: true },
    remote_addr: REMOTE_ADDR_DEF,
    remote_addrs: { type: 'array', items: REMOTE_ADDR_DEF, minItems: 1, uniqueItems: true },
    timeout: TIMEOUT_DEF,
    vars: { type: 'array' },
    filter_func: { type: 'string', minLength: 10, pattern: '^function' },
    script: SCRIPT_SCHEMA,
    script_id: ID_SCHEMA,
    plugins: PLUGINS_SCHEMA,
    plugin_config_id: ID_SCHEMA,
    upstream: UPSTREAM_SCHEMA,
    service_id: ID_SCHEMA,
    upstream_id: ID_SCHEMA,
    enable_websocket: { type: 'boolean' },
    status: { type: 'integer', enum: [1, 0], default: 1 },
  },
  allOf: [
    { oneOf: [{ required: ['uri'] }, { required: ['uris'] }] },
    atMostOne('host', 'hosts'),
    atMostOne('remote_addr', 'remote_addrs'),
  ],
  // In APISIX's order: it shows in the `object matches none of the required: ...` message.
  anyOf: [
    ...['uri', 'uris'].flatMap((u) =>
      ['plugins', 'upstream', 'upstream_id', 'service_id'].map((f) => ({ required: [f, u] })),
    ),
    { required: ['script', 'uri'] },
    { required: ['script', 'uris'] },
  ],
  not: {
    anyOf: [{ required: ['script', 'plugins'] }, { required: ['script', 'plugin_config_id'] }],
  },
  additionalProperties: false,
};

/** The inline upstream and plugins checks routes and services share. */
export async function checkUpstreamAndPlugins(
  conf: ResourceValue,
  ctx: CheckContext,
  mode: CheckMode,
  refs: readonly (readonly [field: string, dir: string, noun: string])[],
): Promise<void> {
  if (isObject(conf.upstream)) await checkUpstream(conf.upstream, ctx, mode);
  if (mode !== 'load') {
    for (const [field, dir, noun] of refs) {
      if (conf[field] !== undefined) await requireReference(ctx, dir, noun, conf[field]);
    }
  }
  const err = checkPlugins(conf.plugins, ctx.plugins, { mode });
  if (err !== undefined) fail(err);
}

const ROUTE_REFS = [
  ['upstream_id', 'upstreams', 'upstream'],
  ['service_id', 'services', 'service'],
  ['plugin_config_id', 'plugin_configs', 'plugin config'],
] as const;

export const routes = defineKind({
  dir: 'routes',
  kind: 'route',
  schema: ROUTE_SCHEMA,
  before(value) {
    // APISIX answers these before the schema, with clearer words than its oneOf would give.
    if (value.host !== undefined && value.hosts !== undefined) {
      fail('only one of host or hosts is allowed');
    }
    if (value.remote_addr !== undefined && value.remote_addrs !== undefined) {
      fail('only one of remote_addr or remote_addrs is allowed');
    }
  },
  async extras(_id, conf, ctx, mode) {
    await checkUpstreamAndPlugins(conf, ctx, mode, ROUTE_REFS);
    if (conf.vars !== undefined) {
      const err = checkVarsExpr(conf.vars);
      if (err !== undefined) fail(`failed to validate the 'vars' expression: ${err}`);
      const pathErr = postArgPathError(conf.vars);
      if (pathErr !== undefined) fail(`failed to validate the 'vars' expression: ${pathErr}`);
    }
    if (typeof conf.filter_func === 'string') {
      const err = checkJsFunction('filter_func', conf.filter_func);
      if (err !== undefined) fail(err);
    }
    if (conf.script !== undefined) fail(SCRIPT_UNSUPPORTED);
  },
});
