import type { JsonSchema } from '../plugin/types.js';
import { SCRIPT_UNSUPPORTED } from './code-fields.js';
import {
  HOST_DEF,
  ID_SCHEMA,
  METADATA_PROPERTIES,
  PLUGINS_SCHEMA,
  SCRIPT_SCHEMA,
} from './common.js';
import { fail, idString } from './fail.js';
import { defineKind } from './kind.js';
import { checkUpstreamAndPlugins } from './routes.js';
import type { CheckContext } from './types.js';
import { UPSTREAM_SCHEMA } from './upstream-schema.js';

export const SERVICE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    ...METADATA_PROPERTIES,
    plugins: PLUGINS_SCHEMA,
    upstream: UPSTREAM_SCHEMA,
    upstream_id: ID_SCHEMA,
    script: SCRIPT_SCHEMA,
    enable_websocket: { type: 'boolean' },
    hosts: { type: 'array', items: HOST_DEF, minItems: 1, uniqueItems: true },
  },
  additionalProperties: false,
};

async function deleteBlocker(id: string, ctx: CheckContext): Promise<string | undefined> {
  for (const [dir, noun] of [
    ['routes', 'route'],
    ['stream_routes', 'stream_route'],
  ] as const) {
    for (const item of await ctx.list(dir)) {
      const sid = item.value.service_id;
      if (sid !== undefined && idString(sid) === id) {
        return `can not delete this service directly, ${noun} [${item.id}] is still using it now`;
      }
    }
  }
  return undefined;
}

export const services = defineKind({
  dir: 'services',
  kind: 'service',
  schema: SERVICE_SCHEMA,
  async extras(_id, conf, ctx, mode) {
    await checkUpstreamAndPlugins(conf, ctx, mode, [['upstream_id', 'upstreams', 'upstream']]);
    if (conf.script !== undefined) fail(SCRIPT_UNSUPPORTED);
  },
  deleteBlocker,
});
