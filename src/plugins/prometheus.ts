import type { PluginDefinition } from '../plugin/types.js';

/** prometheus: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'prometheus',
  version: 0.1,
  priority: 500,
  schema: { type: 'object' },
};

export default plugin;
