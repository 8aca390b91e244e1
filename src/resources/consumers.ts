import type { JsonSchema } from '../plugin/types.js';
import { checkDuplicateAuthKeys } from './auth-keys.js';
import { DESC_DEF, ID_SCHEMA, LABELS_DEF, PLUGINS_SCHEMA, TIMESTAMP_DEF } from './common.js';
import { fail, requireReference } from './fail.js';
import { defineKind } from './kind.js';
import { checkPlugins } from './plugins-check.js';

export const CONSUMER_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    id: ID_SCHEMA,
    username: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[a-zA-Z0-9_\\-]+$' },
    desc: DESC_DEF,
    labels: LABELS_DEF,
    create_time: TIMESTAMP_DEF,
    update_time: TIMESTAMP_DEF,
    group_id: ID_SCHEMA,
    plugins: PLUGINS_SCHEMA,
  },
  required: ['username'],
  additionalProperties: false,
};

/** The username is the key; the Admin API answers `wrong username` for a mismatching body. */
export const consumers = defineKind({
  dir: 'consumers',
  kind: 'consumer',
  schema: CONSUMER_SCHEMA,
  unsupportedMethods: ['POST', 'PATCH'],
  idField: 'username',
  storesId: false,
  async extras(_id, conf, ctx, mode) {
    const username = String(conf.username);
    if (conf.plugins !== undefined) {
      const err = checkPlugins(conf.plugins, ctx.plugins, { consumer: true, mode });
      if (err !== undefined) fail(`invalid plugins configuration: ${err}`);
      if (mode !== 'load') {
        const dup = await checkDuplicateAuthKeys(conf.plugins, { consumer: username }, ctx);
        if (dup !== undefined) fail(dup);
      }
    }
    if (conf.group_id !== undefined && mode !== 'load') {
      await requireReference(ctx, 'consumer_groups', 'consumer group', conf.group_id);
    }
  },
});
