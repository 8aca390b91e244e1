import protobuf from 'protobufjs';
import type { JsonSchema } from '../plugin/types.js';
import { METADATA_PROPERTIES } from './common.js';
import { fail, idString, isObject } from './fail.js';
import { defineKind } from './kind.js';
import type { CheckContext } from './types.js';

export const PROTO_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    ...METADATA_PROPERTIES,
    content: { type: 'string', minLength: 1, maxLength: 1024 * 1024 },
  },
  required: ['content'],
  additionalProperties: false,
};

/** grpc-transcode names its proto by `proto_id`: a proto in use may not go away. */
async function deleteBlocker(id: string, ctx: CheckContext): Promise<string | undefined> {
  for (const [dir, noun] of [
    ['routes', 'route'],
    ['services', 'service'],
  ] as const) {
    for (const item of await ctx.list(dir)) {
      const plugins = item.value.plugins;
      const conf = isObject(plugins) ? plugins['grpc-transcode'] : undefined;
      const protoId = isObject(conf) ? conf.proto_id : undefined;
      if (protoId !== undefined && idString(protoId) === id) {
        return `can not delete this proto, ${noun} [${item.id}] is still using it now`;
      }
    }
  }
  return undefined;
}

export const protos = defineKind({
  dir: 'protos',
  kind: 'proto',
  schema: PROTO_SCHEMA,
  unsupportedMethods: ['PATCH'],
  extras(_id, conf) {
    try {
      protobuf.parse(String(conf.content));
    } catch (err) {
      fail(`invalid content: ${(err as Error).message}`);
    }
    return Promise.resolve();
  },
  deleteBlocker,
});
