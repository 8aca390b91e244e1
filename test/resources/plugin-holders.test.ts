import { describe, test } from 'node:test';
import { runCheck, type CheckCase } from './helpers.js';

const LIMIT = { count: 1, time_window: 60 };

const tables: Record<string, CheckCase[]> = {
  global_rules: [
    { desc: 'accepts a global rule with plugins', value: { id: '1', plugins: { echo: {} } } },
    {
      desc: 'rejects a global rule without plugins',
      value: { id: '1' },
      error: 'invalid configuration: property "plugins" is required',
    },
    {
      desc: 'rejects a name (global rules have none)',
      value: { id: '1', plugins: {}, name: 'x' },
      error: 'invalid configuration: additional properties forbidden, found name',
    },
    {
      desc: 'rejects a plugin already present in another global rule',
      value: { id: '2', plugins: { echo: {} } },
      id: '2',
      store: { 'global_rules/1': { id: '1', plugins: { echo: {} } } },
      error: "plugin 'echo' already exists in global rule with id '1'",
    },
    {
      desc: 'accepts rewriting the rule that already has the plugin',
      value: { id: '1', plugins: { echo: {} } },
      store: { 'global_rules/1': { id: '1', plugins: { echo: {} } } },
    },
  ],
  plugin_configs: [
    { desc: 'accepts a plugin config', value: { id: '1', plugins: { 'limit-count': LIMIT } } },
    {
      desc: 'rejects a plugin config whose plugin fails its schema',
      value: { id: '1', plugins: { 'limit-count': { count: 0, time_window: 60 } } },
      error:
        'failed to check the configuration of plugin limit-count err: property "count" validation failed: expected 0 to be greater than 0',
    },
  ],
  consumer_groups: [
    {
      desc: 'accepts a consumer group',
      value: { id: 'g', name: 'gold', plugins: { 'limit-count': LIMIT } },
    },
    {
      desc: 'rejects a consumer group without plugins',
      value: { id: 'g' },
      error: 'invalid configuration: property "plugins" is required',
    },
  ],
};

for (const [dir, cases] of Object.entries(tables)) {
  void describe(`${dir} check`, () => {
    for (const c of cases) void test(c.desc, () => runCheck(dir, c));
  });
}
