import type { PluginDefinition } from '../plugin/types.js';

/** fault-injection: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'fault-injection',
  version: 0.1,
  priority: 11000,
  schema: { type: 'object' },
};

export default plugin;
