import type { PluginRegistry } from '../plugin/registry.js';
import { CORE_SCHEMAS } from '../resources/catalog.js';

/** The `main` schemas APISIX's `/v1/schema` lists (apisix/control/v1.lua `schema`). */
const MAIN = [
  'route',
  'upstream',
  'service',
  'consumer',
  'consumer_group',
  'global_rule',
  'plugin_config',
  'plugins',
  'proto',
  'ssl',
  'stream_route',
  'upstream_hash_header_schema',
  'upstream_hash_vars_schema',
] as const;

function pluginInfo(registry: PluginRegistry): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const def of registry.list()) {
    out[def.name] = {
      version: def.version,
      priority: def.priority,
      schema: def.schema,
      ...(def.metadataSchema ? { metadata_schema: def.metadataSchema } : {}),
      ...(def.consumerSchema ? { consumer_schema: def.consumerSchema } : {}),
      ...(def.type ? { type: def.type } : {}),
      ...(def.scope ? { scope: def.scope } : {}),
    };
  }
  return out;
}

/** `GET /v1/schema`: the core schemas and those of the enabled plugins. */
export function controlSchema(plugins: { http: PluginRegistry; stream: PluginRegistry }): unknown {
  const main: Record<string, unknown> = {};
  for (const name of MAIN) main[name] = CORE_SCHEMAS[name];
  return { main, plugins: pluginInfo(plugins.http), stream_plugins: pluginInfo(plugins.stream) };
}
