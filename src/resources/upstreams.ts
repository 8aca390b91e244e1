import { defineKind } from './kind.js';
import { isObject, idString } from './fail.js';
import { checkIpv6Hosts, checkUpstream } from './upstream-check.js';
import { UPSTREAM_SCHEMA } from './upstream-schema.js';
import type { CheckContext } from './types.js';

/** `traffic-split` may point at upstreams from its weighted_upstreams. */
function usedByTrafficSplit(plugins: unknown, id: string): boolean {
  const ts = isObject(plugins) ? plugins['traffic-split'] : undefined;
  const rules = isObject(ts) && Array.isArray(ts.rules) ? ts.rules : [];
  return rules.some((rule) => {
    const ups =
      isObject(rule) && Array.isArray(rule.weighted_upstreams) ? rule.weighted_upstreams : [];
    return ups.some(
      (u) => isObject(u) && u.upstream_id !== undefined && idString(u.upstream_id) === id,
    );
  });
}

/** Where upstreams can be referenced from, in APISIX's checking order (stream routes are not). */
const REFERRERS: readonly { dir: string; noun: string; direct: boolean }[] = [
  { dir: 'routes', noun: 'route', direct: true },
  { dir: 'services', noun: 'service', direct: true },
  { dir: 'plugin_configs', noun: 'plugin_config', direct: false },
  { dir: 'consumers', noun: 'consumer', direct: false },
  { dir: 'consumer_groups', noun: 'consumer_group', direct: false },
  { dir: 'global_rules', noun: 'global_rules', direct: false },
];

async function deleteBlocker(id: string, ctx: CheckContext): Promise<string | undefined> {
  for (const ref of REFERRERS) {
    for (const item of await ctx.list(ref.dir)) {
      if (usedByTrafficSplit(item.value.plugins, id)) {
        return `can not delete this upstream, plugin in ${ref.noun} [${item.id}] is still using it now`;
      }
      const upId = item.value.upstream_id;
      if (ref.direct && upId !== undefined && idString(upId) === id) {
        return `can not delete this upstream, ${ref.noun} [${item.id}] is still using it now`;
      }
    }
  }
  return undefined;
}

export const upstreams = defineKind({
  dir: 'upstreams',
  kind: 'upstream',
  schema: UPSTREAM_SCHEMA,
  before: checkIpv6Hosts,
  extras: (_id, conf, ctx, mode) => checkUpstream(conf, ctx, mode),
  deleteBlocker,
});
