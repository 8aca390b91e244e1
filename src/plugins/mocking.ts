import type { PluginDefinition } from '../plugin/types.js';

/** mocking: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'mocking',
  version: 0.1,
  priority: 10900,
  schema: { type: 'object' },
};

export default plugin;
