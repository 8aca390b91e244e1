import type { PluginDefinition } from '../plugin/types.js';

/** uri-blocker: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'uri-blocker',
  version: 0.1,
  priority: 2900,
  schema: { type: 'object' },
};

export default plugin;
