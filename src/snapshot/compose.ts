import { EMPTY_CHAIN, type PluginChain, type PluginSource } from '../plugin/chain.js';
import type { UpstreamSlot } from './upstream-slots.js';
import type { LoadedItem, ResolvedRoute, RouteFailure, TimeoutConf } from './types.js';

/** What route composition reads: the current items and the upstream runtimes. */
export interface ComposeLookups<U> {
  service(id: string): LoadedItem | undefined;
  pluginConfig(id: string): LoadedItem | undefined;
  /** The slot of an upstream item (by its id). */
  upstream(id: string): UpstreamSlot<U> | undefined;
  /** The slot of the inline upstream `conf` of `owner` (a route or service), built or reused. */
  inline(owner: LoadedItem, conf: Readonly<Record<string, unknown>>): UpstreamSlot<U>;
  /** The plugin chain of these sources (prepared confs cached by the builder). */
  chain(sources: readonly PluginSource[]): PluginChain;
}

/**
 * A composed route plus the key of the route or service whose inline upstream it uses, if any.
 * What else it depends on (service, plugin_config, upstream item) is on the route itself.
 */
export interface Composition<U> {
  readonly route: ResolvedRoute<U>;
  readonly inlineOwner: string | undefined;
}

/** The plugins of every route that has none anywhere: one shared object, not one per route. */
const NO_PLUGINS: Readonly<Record<string, unknown>> = Object.freeze({});

const idOf = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
const objectOf = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;

function fail<U>(
  route: LoadedItem,
  failure: RouteFailure,
  base: Partial<ResolvedRoute<U>>,
): Composition<U> {
  return { route: { ...emptyRoute<U>(route), ...base, failure }, inlineOwner: undefined };
}

function emptyRoute<U>(route: LoadedItem): ResolvedRoute<U> {
  const v = route.value;
  return {
    id: route.id,
    key: route.key,
    modRevision: route.modRevision,
    name: typeof v.name === 'string' ? v.name : undefined,
    serviceId: idOf(v.service_id),
    serviceName: undefined,
    matchedUri: firstString(v.uri, v.uris),
    matchedHost: firstString(v.host, v.hosts),
    pluginConfigId: idOf(v.plugin_config_id),
    upstreamId: undefined,
    plugins: NO_PLUGINS,
    chain: EMPTY_CHAIN,
    timeout: objectOf(v.timeout) as TimeoutConf | undefined,
    enableWebsocket: v.enable_websocket === true,
    upstream: undefined,
    failure: undefined,
  };
}

/**
 * Route + plugin_config + service + upstream, in APISIX's order (spec §4.5): a missing service is
 * a 404, a missing plugin_config a 503; plugins merge Route > Plugin Config > Service; the
 * upstream is route.upstream_id > route.upstream > service.upstream_id > service.upstream, a
 * missing referenced upstream is a 502 and no upstream at all a 503.
 */
export function composeRoute<U>(route: LoadedItem, look: ComposeLookups<U>): Composition<U> {
  const base = emptyRoute<U>(route);
  const v = route.value;
  const service = base.serviceId === undefined ? undefined : look.service(base.serviceId);
  if (base.serviceId !== undefined && service === undefined) {
    return fail(route, { status: 404, reason: `service ${base.serviceId} not found` }, {});
  }
  const pc = base.pluginConfigId === undefined ? undefined : look.pluginConfig(base.pluginConfigId);
  if (base.pluginConfigId !== undefined && pc === undefined) {
    return fail(
      route,
      { status: 503, reason: `plugin config ${base.pluginConfigId} not found` },
      {},
    );
  }
  const sv = service?.value;
  const merged = {
    ...objectOf(sv?.plugins),
    ...objectOf(pc?.value.plugins),
    ...objectOf(v.plugins),
  };
  const plugins = Object.keys(merged).length === 0 ? NO_PLUGINS : merged;
  const chain =
    plugins === NO_PLUGINS ? EMPTY_CHAIN : look.chain(pluginSources(plugins, [route, pc, service]));
  const enableWebsocket =
    typeof v.enable_websocket === 'boolean' ? v.enable_websocket : sv?.enable_websocket === true;
  const serviceName = typeof sv?.name === 'string' ? sv.name : undefined;
  const named = { plugins, chain, enableWebsocket, serviceName };

  let upstreamId = idOf(v.upstream_id);
  let inline: { owner: LoadedItem; conf: Record<string, unknown> } | undefined;
  if (upstreamId === undefined) {
    const own = objectOf(v.upstream);
    if (own !== undefined) inline = { owner: route, conf: own };
    else if (service !== undefined) {
      upstreamId = idOf(sv?.upstream_id);
      const svcConf = objectOf(sv?.upstream);
      if (upstreamId === undefined && svcConf !== undefined)
        inline = { owner: service, conf: svcConf };
    }
  }
  if (upstreamId !== undefined) {
    const slot = look.upstream(upstreamId);
    if (slot === undefined) {
      const reason = `failed to find upstream by id: ${upstreamId}`;
      return fail(route, { status: 502, reason }, { ...named, upstreamId });
    }
    if (slot.error !== undefined)
      return fail(route, { status: 502, reason: slot.error }, { ...named, upstreamId });
    return {
      route: { ...base, ...named, upstreamId, upstream: slot.runtime },
      inlineOwner: undefined,
    };
  }
  if (inline === undefined) {
    const reason = 'missing upstream configuration in Route or Service';
    return fail(route, { status: 503, reason }, named);
  }
  const inlineOwner = inline.owner.key;
  const slot = look.inline(inline.owner, inline.conf);
  if (slot.error !== undefined) {
    return { ...fail(route, { status: 502, reason: slot.error }, named), inlineOwner };
  }
  return { route: { ...base, ...named, upstream: slot.runtime }, inlineOwner };
}

/** Each merged conf with the item it came from (route, then plugin_config, then service). */
function pluginSources(
  merged: Readonly<Record<string, unknown>>,
  owners: readonly (LoadedItem | undefined)[],
): PluginSource[] {
  const out: PluginSource[] = [];
  for (const [name, conf] of Object.entries(merged)) {
    const conf_ = objectOf(conf);
    if (conf_ === undefined) continue;
    const owner = owners.find((o) => objectOf(o?.value.plugins)?.[name] === conf);
    out.push({
      name,
      conf: conf_,
      owner: { key: owner?.key ?? '', version: owner?.modRevision ?? 0 },
    });
  }
  return out;
}

function firstString(one: unknown, many: unknown): string | undefined {
  if (typeof one === 'string') return one;
  return Array.isArray(many) && typeof many[0] === 'string' ? many[0] : undefined;
}
