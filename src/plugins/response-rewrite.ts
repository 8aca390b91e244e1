import type { PluginDefinition } from '../plugin/types.js';

/** response-rewrite: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'response-rewrite',
  version: 0.1,
  priority: 899,
  schema: { type: 'object' },
};

export default plugin;
