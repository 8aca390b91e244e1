import type { PluginDefinition } from '../plugin/types.js';

/** proxy-rewrite: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'proxy-rewrite',
  version: 0.1,
  priority: 1008,
  schema: { type: 'object' },
};

export default plugin;
