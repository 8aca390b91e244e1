import type { PluginDefinition } from '../plugin/types.js';

/** limit-count: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'limit-count',
  version: 0.1,
  priority: 1002,
  schema: { type: 'object' },
};

export default plugin;
