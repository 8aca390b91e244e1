import type { PluginDefinition } from '../plugin/types.js';

/** cors: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'cors',
  version: 0.1,
  priority: 4000,
  schema: { type: 'object' },
};

export default plugin;
