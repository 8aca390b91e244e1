import type { PluginDefinition } from '../plugin/types.js';

/** ua-restriction: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'ua-restriction',
  version: 0.1,
  priority: 2999,
  schema: { type: 'object' },
};

export default plugin;
