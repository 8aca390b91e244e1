import type { PluginDefinition } from '../plugin/types.js';

/** redirect: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'redirect',
  version: 0.1,
  priority: 900,
  schema: { type: 'object' },
};

export default plugin;
