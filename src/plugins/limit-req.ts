import type { PluginDefinition } from '../plugin/types.js';

/** limit-req: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'limit-req',
  version: 0.1,
  priority: 1001,
  schema: { type: 'object' },
};

export default plugin;
