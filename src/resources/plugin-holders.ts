import type { JsonSchema } from '../plugin/types.js';
import {
  DESC_DEF,
  ID_SCHEMA,
  LABELS_DEF,
  NAME_DEF,
  PLUGINS_SCHEMA,
  TIMESTAMP_DEF,
} from './common.js';
import { fail, idString } from './fail.js';
import { defineKind } from './kind.js';
import { checkPlugins } from './plugins-check.js';
import type { CheckContext, CheckMode, ResourceValue } from './types.js';

/** The three resources that are only a plugin map: global rules, plugin configs, consumer groups. */

function checkOwnPlugins(
  _id: string,
  conf: ResourceValue,
  ctx: CheckContext,
  mode: CheckMode,
): Promise<void> {
  const err = checkPlugins(conf.plugins, ctx.plugins, { mode });
  if (err !== undefined) fail(err);
  return Promise.resolve();
}

const holderSchema = (extra: Record<string, JsonSchema>): JsonSchema => ({
  type: 'object',
  properties: {
    id: ID_SCHEMA,
    ...extra,
    create_time: TIMESTAMP_DEF,
    update_time: TIMESTAMP_DEF,
    plugins: PLUGINS_SCHEMA,
  },
  required: ['id', 'plugins'],
  additionalProperties: false,
});

export const GLOBAL_RULE_SCHEMA = holderSchema({});
export const PLUGIN_CONFIG_SCHEMA = holderSchema({
  name: { type: 'string' },
  desc: DESC_DEF,
  labels: LABELS_DEF,
});
export const CONSUMER_GROUP_SCHEMA = holderSchema({
  name: NAME_DEF,
  desc: DESC_DEF,
  labels: LABELS_DEF,
});

/** Since APISIX 3.15 a plugin may appear in one global rule only. */
async function checkGlobalRule(
  id: string,
  conf: ResourceValue,
  ctx: CheckContext,
  mode: CheckMode,
): Promise<void> {
  await checkOwnPlugins(id, conf, ctx, mode);
  if (mode === 'load' || typeof conf.plugins !== 'object' || conf.plugins === null) return;
  const names = Object.keys(conf.plugins);
  for (const rule of await ctx.list('global_rules')) {
    if (rule.id === id) continue;
    const other = rule.value.plugins;
    if (typeof other !== 'object' || other === null) continue;
    const clash = names.find((n) => n in other);
    if (clash !== undefined) {
      fail(`plugin '${clash}' already exists in global rule with id '${rule.id}'`);
    }
  }
}

/** The first item of `dir` whose `field` references `id`. */
async function firstUser(
  ctx: CheckContext,
  dir: string,
  field: string,
  id: string,
): Promise<string | undefined> {
  for (const item of await ctx.list(dir)) {
    const ref = item.value[field];
    if (ref !== undefined && idString(ref) === id) return item.id;
  }
  return undefined;
}

export const globalRules = defineKind({
  dir: 'global_rules',
  kind: 'global rule',
  schema: GLOBAL_RULE_SCHEMA,
  unsupportedMethods: ['POST'],
  extras: checkGlobalRule,
});

export const pluginConfigs = defineKind({
  dir: 'plugin_configs',
  kind: 'plugin config',
  schema: PLUGIN_CONFIG_SCHEMA,
  unsupportedMethods: ['POST'],
  extras: checkOwnPlugins,
  async deleteBlocker(id, ctx) {
    const route = await firstUser(ctx, 'routes', 'plugin_config_id', id);
    return route === undefined
      ? undefined
      : `can not delete this plugin config, route [${route}] is still using it now`;
  },
});

export const consumerGroups = defineKind({
  dir: 'consumer_groups',
  kind: 'consumer group',
  schema: CONSUMER_GROUP_SCHEMA,
  unsupportedMethods: ['POST'],
  extras: checkOwnPlugins,
  async deleteBlocker(id, ctx) {
    // Credentials live under consumers/ too but carry no group_id.
    const consumer = await firstUser(ctx, 'consumers', 'group_id', id);
    return consumer === undefined
      ? undefined
      : `can not delete this consumer group, consumer [${consumer}] is still using it now`;
  },
});
