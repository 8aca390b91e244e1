import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPlugins } from '../../src/resources/plugins-check.js';
import type { CheckMode } from '../../src/resources/types.js';
import { registry } from './helpers.js';

const LIMIT = { count: 1, time_window: 60 };

const cases: {
  desc: string;
  plugins: unknown;
  mode?: CheckMode;
  consumer?: boolean;
  want?: string;
}[] = [
  { desc: 'accepts a valid plugin map', plugins: { 'limit-count': LIMIT, echo: {} } },
  {
    desc: 'rejects a plugin that is not enabled',
    plugins: { nope: {} },
    want: 'unknown plugin [nope]',
  },
  { desc: 'skips a plugin that is not enabled when loading', plugins: { nope: {} }, mode: 'load' },
  {
    desc: 'rejects a plugin config that is not an object',
    plugins: { echo: true },
    want: 'invalid plugin conf true for plugin [echo]',
  },
  {
    desc: 'reports a failing plugin schema',
    plugins: { 'limit-count': { count: 1, time_window: 60, rejected_msg: true } },
    want: 'failed to check the configuration of plugin limit-count err: property "rejected_msg" validation failed: wrong type: expected string, got boolean',
  },
  {
    desc: 'accepts a failing plugin config when _meta.disable is true',
    plugins: { 'limit-count': { _meta: { disable: true } } },
  },
  {
    desc: 'accepts every _meta field',
    plugins: {
      echo: {
        _meta: {
          disable: false,
          error_response: { message: 'x' },
          priority: 10,
          filter: [['arg_a', '==', '1']],
          pre_function: 'function(conf, ctx) { return; }',
        },
      },
    },
  },
  {
    desc: 'rejects an unknown _meta field',
    plugins: { echo: { _meta: { foo: 1 } } },
    want: 'failed to check the configuration of plugin echo err: property "_meta" validation failed: additional properties forbidden, found foo',
  },
  {
    desc: 'rejects a _meta that is not an object',
    plugins: { echo: { _meta: true } },
    want: 'failed to check the configuration of plugin echo err: property "_meta" validation failed: wrong type: expected object, got boolean',
  },
  {
    desc: 'rejects an invalid _meta.filter expression',
    plugins: { echo: { _meta: { filter: [['arg_a', 'like', '1']] } } },
    want: "failed to validate the 'vars' expression: invalid operator 'like'",
  },
  {
    desc: 'rejects a Lua _meta.pre_function',
    plugins: { echo: { _meta: { pre_function: 'function(conf, ctx) ngx.say(1) end' } } },
    want: "failed to load _meta.pre_function in plugin echo: failed to load '_meta.pre_function' string: Lua is not supported, '_meta.pre_function' must be a JavaScript function",
  },
  {
    desc: 'uses the consumer schema for consumers',
    plugins: { 'key-auth': { header: 'x' } },
    consumer: true,
    want: 'failed to check the configuration of plugin key-auth err: property "key" is required',
  },
  {
    desc: 'uses the route schema otherwise',
    plugins: { 'key-auth': { header: 'x' } },
  },
];

void describe('checkPlugins', () => {
  for (const c of cases) {
    void test(c.desc, () => {
      const got = checkPlugins(c.plugins, registry, {
        mode: c.mode ?? 'create',
        consumer: c.consumer ?? false,
      });
      assert.equal(got, c.want);
    });
  }
});
