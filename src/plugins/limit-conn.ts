import type { PluginDefinition } from '../plugin/types.js';

/** limit-conn: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'limit-conn',
  version: 0.1,
  priority: 1003,
  schema: { type: 'object' },
};

export default plugin;
