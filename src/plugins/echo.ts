import type { PluginDefinition } from '../plugin/types.js';

/** echo: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'echo',
  version: 0.1,
  priority: 412,
  schema: { type: 'object' },
};

export default plugin;
