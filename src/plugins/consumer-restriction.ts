import type { PluginDefinition } from '../plugin/types.js';

/** consumer-restriction: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'consumer-restriction',
  version: 0.1,
  priority: 2400,
  schema: { type: 'object' },
};

export default plugin;
