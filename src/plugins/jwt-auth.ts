import type { PluginDefinition } from '../plugin/types.js';

/** jwt-auth: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'jwt-auth',
  version: 0.1,
  priority: 2510,
  schema: { type: 'object' },
};

export default plugin;
