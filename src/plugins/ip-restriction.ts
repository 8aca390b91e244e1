import type { PluginDefinition } from '../plugin/types.js';

/** ip-restriction: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'ip-restriction',
  version: 0.1,
  priority: 3000,
  schema: { type: 'object' },
};

export default plugin;
