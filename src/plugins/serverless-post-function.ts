import type { PluginDefinition } from '../plugin/types.js';

/** serverless-post-function: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'serverless-post-function',
  version: 0.1,
  priority: -2000,
  schema: { type: 'object' },
};

export default plugin;
