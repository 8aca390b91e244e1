import type { GatewayConfig } from '../config/types.js';
import { loadPluginDir } from '../plugin/load-dir.js';
import { PluginRegistry } from '../plugin/registry.js';
import type { PluginDefinition } from '../plugin/types.js';
import { BUILTIN_PLUGINS } from './builtin-plugins.js';

/** The enabled HTTP and stream plugins of one config (and one plugin reload). */
export interface PluginSets {
  readonly http: PluginRegistry;
  readonly stream: PluginRegistry;
}

/**
 * Built-in plugins plus the custom ones of `gatehouse.plugin_dir` (a custom plugin of a built-in
 * name replaces it, as APISIX's `extra_lua_path` does), filtered by config.yaml's `plugins` and
 * `stream_plugins`. `generation` counts plugin reloads so custom files are imported afresh.
 */
export async function loadPluginSets(
  config: GatewayConfig,
  generation: number,
): Promise<PluginSets> {
  const custom =
    config.gatehouse.plugin_dir === undefined
      ? []
      : await loadPluginDir(config.gatehouse.plugin_dir, generation);
  const byName = new Map<string, PluginDefinition>();
  for (const def of [...BUILTIN_PLUGINS, ...custom]) byName.set(def.name, def);
  const available = [...byName.values()];
  return {
    http: new PluginRegistry(available, config.plugins),
    stream: new PluginRegistry(available, config.stream_plugins),
  };
}
