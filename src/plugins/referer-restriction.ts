import type { PluginDefinition } from '../plugin/types.js';

/** referer-restriction: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'referer-restriction',
  version: 0.1,
  priority: 2990,
  schema: { type: 'object' },
};

export default plugin;
