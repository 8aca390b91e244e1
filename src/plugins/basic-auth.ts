import type { PluginDefinition } from '../plugin/types.js';

/** basic-auth: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'basic-auth',
  version: 0.1,
  priority: 2520,
  schema: { type: 'object' },
};

export default plugin;
