import type { JsonSchema } from '../plugin/types.js';
import {
  HOST_DEF_PATTERN,
  ID_SCHEMA,
  IP_DEF,
  METADATA_PROPERTIES,
  PLUGINS_SCHEMA,
  REMOTE_ADDR_DEF,
} from './common.js';
import { fail, idString, isObject, requireReference } from './fail.js';
import { defineKind } from './kind.js';
import { checkPlugins } from './plugins-check.js';
import type { CheckContext, ResourceValue } from './types.js';
import { UPSTREAM_SCHEMA } from './upstream-schema.js';

/** xRPC protocol of a stream route (APISIX `xrpc_protocol_schema`). */
const XRPC_PROTOCOL_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    superior_id: ID_SCHEMA,
    conf: { type: 'object' },
    logger: {
      type: 'array',
      items: {
        properties: {
          name: { type: 'string' },
          filter: { type: 'array' },
          conf: { type: 'object' },
        },
        dependencies: { name: ['conf'] },
        additionalProperties: false,
      },
    },
  },
  required: ['name'],
};

export const STREAM_ROUTE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    ...METADATA_PROPERTIES,
    remote_addr: REMOTE_ADDR_DEF,
    server_addr: { type: 'string', anyOf: IP_DEF },
    server_port: { type: 'integer', minimum: 1, maximum: 65535 },
    sni: { type: 'string', pattern: HOST_DEF_PATTERN },
    upstream: UPSTREAM_SCHEMA,
    upstream_id: ID_SCHEMA,
    service_id: ID_SCHEMA,
    plugins: PLUGINS_SCHEMA,
    protocol: XRPC_PROTOCOL_SCHEMA,
  },
  additionalProperties: false,
};

/** A subordinate xRPC route must name an existing route of the same protocol, not itself. */
async function checkSuperior(
  id: string,
  protocol: ResourceValue,
  ctx: CheckContext,
): Promise<void> {
  const superiorId = idString(protocol.superior_id);
  if (superiorId === id) fail('stream route can not set itself as superior_id');
  const superior = await ctx.get('stream_routes', superiorId);
  if (superior === undefined) {
    fail(`failed to fetch stream routes[${superiorId}], response code: 404`);
  }
  const theirs = isObject(superior.protocol) ? superior.protocol.name : undefined;
  if (theirs !== undefined && theirs !== protocol.name) {
    fail(
      `protocol mismatch: subordinate protocol [${idString(protocol.name)}] does not match superior protocol [${idString(theirs)}]`,
    );
  }
}

async function deleteBlocker(id: string, ctx: CheckContext): Promise<string | undefined> {
  for (const item of await ctx.list('stream_routes')) {
    const protocol = item.value.protocol;
    if (
      isObject(protocol) &&
      protocol.superior_id !== undefined &&
      idString(protocol.superior_id) === id
    ) {
      return `can not delete this stream route directly, stream route [${item.id}] is still using it as superior_id`;
    }
  }
  return undefined;
}

/** Plugins are checked against the stream plugin set (APISIX `stream_plugins`), when given. */
export const streamRoutes = defineKind({
  dir: 'stream_routes',
  kind: 'stream route',
  schema: STREAM_ROUTE_SCHEMA,
  unsupportedMethods: ['PATCH'],
  async extras(id, conf, ctx, mode) {
    if (mode === 'load') return;
    if (conf.upstream_id !== undefined) {
      await requireReference(ctx, 'upstreams', 'upstream', conf.upstream_id);
    }
    if (conf.service_id !== undefined) {
      await requireReference(ctx, 'services', 'service', conf.service_id);
    }
    if (isObject(conf.protocol) && conf.protocol.superior_id !== undefined) {
      await checkSuperior(id, conf.protocol, ctx);
    }
    // Last, as APISIX's `stream_route_checker` runs after the reference checks.
    if (ctx.streamPlugins !== undefined) {
      const err = checkPlugins(conf.plugins, ctx.streamPlugins, { mode, stream: true });
      if (err !== undefined) fail(err);
    }
  },
  deleteBlocker,
});
