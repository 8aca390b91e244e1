import type { JsonSchema } from '../plugin/types.js';
import { fail } from './fail.js';
import { defineKind } from './kind.js';

/** What a plugin without its own metadata schema accepts (APISIX injects the same). */
const ANY_OBJECT: JsonSchema = { type: 'object' };

/**
 * Plugin metadata: the id is the plugin name, the schema is the plugin's metadata schema, and
 * APISIX stores no timestamps here.
 */
export const pluginMetadata = defineKind({
  dir: 'plugin_metadata',
  kind: 'plugin_metadata',
  schema: ANY_OBJECT,
  unsupportedMethods: ['POST', 'PATCH'],
  timestamps: false,
  schemaFor(id, ctx) {
    const def = ctx.plugins.get(id);
    if (def === undefined) fail('invalid plugin name');
    return def.metadataSchema ?? ANY_OBJECT;
  },
  // The plugin's own checks beyond the schema (APISIX check_schema with TYPE_METADATA).
  extras(id, conf, ctx) {
    const err = ctx.plugins.get(id)?.check?.(conf, 'metadata');
    if (err !== undefined) fail(`invalid configuration: ${err}`);
    return Promise.resolve();
  },
});
