import type { PluginDefinition } from '../plugin/types.js';

/** real-ip: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'real-ip',
  version: 0.1,
  priority: 23000,
  schema: { type: 'object' },
};

export default plugin;
