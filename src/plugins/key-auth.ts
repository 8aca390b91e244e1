import type { PluginDefinition } from '../plugin/types.js';

/** key-auth: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'key-auth',
  version: 0.1,
  priority: 2500,
  schema: { type: 'object' },
};

export default plugin;
