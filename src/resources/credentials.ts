import type { JsonSchema } from '../plugin/types.js';
import { checkDuplicateAuthKeys, ownerOf } from './auth-keys.js';
import { METADATA_PROPERTIES } from './common.js';
import { fail, isObject } from './fail.js';
import { defineKind } from './kind.js';
import { checkPlugins } from './plugins-check.js';
import type { CheckContext } from './types.js';

export const CREDENTIAL_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    ...METADATA_PROPERTIES,
    id: {
      oneOf: [
        METADATA_PROPERTIES.id,
        // The standalone (YAML) form carries the full key suffix as id.
        {
          type: 'string',
          minLength: 15,
          maxLength: 128,
          pattern: '^[a-zA-Z0-9-_]+/credentials/[a-zA-Z0-9-_.]+$',
        },
      ],
    },
    plugins: { type: 'object', maxProperties: 1 },
  },
  additionalProperties: false,
};

/** `id` is the credential id, or the whole `<username>/credentials/<id>` key suffix. */
function writerOf(id: string, ctx: CheckContext): { consumer: string; credentialId: string } {
  const owner = ownerOf(id);
  if (owner.credentialId !== undefined)
    return { consumer: owner.consumer, credentialId: owner.credentialId };
  return { consumer: ctx.consumerName ?? '', credentialId: id };
}

export const credentials = defineKind({
  dir: 'credentials',
  kind: 'credential',
  schema: CREDENTIAL_SCHEMA,
  unsupportedMethods: ['POST', 'PATCH'],
  async extras(id, conf, ctx, mode) {
    if (!isObject(conf.plugins)) return;
    const err = checkPlugins(conf.plugins, ctx.plugins, { consumer: true, mode });
    if (err !== undefined) fail(`invalid plugins configuration: ${err}`);
    for (const name of Object.keys(conf.plugins)) {
      const def = ctx.plugins.get(name);
      if (def === undefined) {
        if (mode === 'load') continue;
        fail(`unknown plugin ${name}`);
      }
      if (def.type !== 'auth') fail('only supports auth type plugins in consumer credential');
    }
    if (mode !== 'load') {
      const dup = await checkDuplicateAuthKeys(conf.plugins, writerOf(id, ctx), ctx);
      if (dup !== undefined) fail(dup);
    }
  },
});
