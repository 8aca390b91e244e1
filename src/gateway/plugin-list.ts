import type { GatewayConfig } from '../config/types.js';
import type { Logger } from '../core/logger.js';
import type { FeedUpdate } from '../store/feed.js';
import type { ConfigStore } from '../store/types.js';

/**
 * The `/apisix/plugins` key (spec core §1.5): a node with the Admin API publishes its enabled
 * plugin list there, and a node without one (a data plane on etcd) loads the plugins it names
 * instead of config.yaml's, hot, as a plugin reload does.
 */
export interface PluginList {
  readonly http: readonly string[];
  readonly stream: readonly string[];
}

export function pluginListKey(prefix: string): string {
  return `${prefix}/plugins`;
}

/** APISIX's value: `[{"name":"real-ip"},…,{"name":"ip-restriction","stream":true}]`. */
export function encodePluginList(config: GatewayConfig): string {
  return JSON.stringify([
    ...config.plugins.map((name) => ({ name })),
    ...config.stream_plugins.map((name) => ({ name, stream: true })),
  ]);
}

/** The list a stored value names; undefined unless it is an array of `{name, stream?}`. */
export function decodePluginList(value: string): PluginList | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!Array.isArray(doc)) return undefined;
  const http: string[] = [];
  const stream: string[] = [];
  for (const item of doc as unknown[]) {
    if (typeof item !== 'object' || item === null) return undefined;
    const { name, stream: isStream } = item as { name?: unknown; stream?: unknown };
    if (typeof name !== 'string' || name === '') return undefined;
    if (isStream !== undefined && typeof isStream !== 'boolean') return undefined;
    (isStream === true ? stream : http).push(name);
  }
  return { http, stream };
}

/** Same plugins, in any order (APISIX `plugins_eq`). */
function sameSet(a: PluginList, b: PluginList): boolean {
  const set = (l: PluginList) => new Set([...l.http, ...l.stream.map((n) => `stream:${n}`)]);
  const x = set(a);
  const y = set(b);
  return x.size === y.size && [...x].every((n) => y.has(n));
}

/**
 * Start-up of a node with the Admin API: when the key exists and names other plugins than
 * config.yaml, rewrite it (compare-and-set on the revision read). A missing key is left alone,
 * as APISIX does; `PUT /apisix/admin/plugins/reload` writes it.
 */
export async function resetPluginList(
  store: ConfigStore,
  config: GatewayConfig,
  logger: Logger,
): Promise<void> {
  const key = pluginListKey(config.deployment.etcd.prefix);
  const current = await store.get(key);
  if (current === undefined) return;
  const stored = decodePluginList(current.value);
  const local = { http: config.plugins, stream: config.stream_plugins };
  if (stored !== undefined && sameSet(stored, local)) return;
  logger.warn({ key }, 'plugin list in the store differs from config.yaml; rewriting it');
  await store.put(key, encodePluginList(config), { ifModRevision: current.modRevision });
}

/** `PUT /apisix/admin/plugins/reload`: publish config.yaml's list, whatever the key holds. */
export async function publishPluginList(store: ConfigStore, config: GatewayConfig): Promise<void> {
  await store.put(pluginListKey(config.deployment.etcd.prefix), encodePluginList(config));
}

/**
 * The plugin list a feed update sets, if it writes the key with a valid value (the last write of
 * the update wins). A deleted key or an invalid value changes nothing (logged), as APISIX keeps
 * its plugins when the item is missing.
 */
export function pluginListIn(
  update: FeedUpdate,
  prefix: string,
  logger: Logger,
): PluginList | undefined {
  const key = pluginListKey(prefix);
  let value: string | undefined;
  if (update.kind === 'reset') {
    value = update.items.find((kv) => kv.key === key)?.value;
  } else {
    for (const event of update.events) {
      if (event.type === 'put' && event.kv.key === key) value = event.kv.value;
    }
  }
  if (value === undefined) return undefined;
  const list = decodePluginList(value);
  if (list === undefined) logger.warn({ key }, 'invalid plugin list in the store; ignored');
  return list;
}

/** `config` with its plugin lists replaced by `list`. */
export function withPluginList(config: GatewayConfig, list: PluginList): GatewayConfig {
  return Object.freeze({ ...config, plugins: [...list.http], stream_plugins: [...list.stream] });
}
