import type { PluginDefinition } from '../plugin/types.js';

/** request-id: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'request-id',
  version: 0.1,
  priority: 12015,
  schema: { type: 'object' },
};

export default plugin;
