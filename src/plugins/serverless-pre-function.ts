import type { PluginDefinition } from '../plugin/types.js';

/** serverless-pre-function: being written (spec-plugins). */
const plugin: PluginDefinition = {
  name: 'serverless-pre-function',
  version: 0.1,
  priority: 10000,
  schema: { type: 'object' },
};

export default plugin;
