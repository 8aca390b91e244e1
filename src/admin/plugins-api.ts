import type { PluginRegistry } from '../plugin/registry.js';
import type { JsonSchema, PluginDefinition } from '../plugin/types.js';
import { GatehouseError } from '../core/errors.js';
import { badRequest, notFound } from './errors.js';
import type { Reply } from './types.js';

/** The plugin sets the plugin endpoints read, fetched per request (a reload may swap them). */
export interface PluginSets {
  http: () => PluginRegistry;
  stream: (() => PluginRegistry) | undefined;
  /** How a served plugin schema describes `_meta` (APISIX injects it into every plugin schema). */
  metaSchema: JsonSchema;
}

/** `GET /apisix/admin/plugins/list[?subsystem=]`: enabled names, highest priority first. */
export function listPlugins(sets: PluginSets, query: URLSearchParams): Reply {
  const subsystem = query.get('subsystem') ?? 'http';
  if (subsystem !== 'http' && subsystem !== 'stream') {
    throw new GatehouseError('GH_ERR_ADMIN_BAD_REQUEST', 'invalid subsystem passed', {
      body: 'invalid subsystem passed',
    });
  }
  return {
    status: 200,
    body: registryOf(sets, subsystem)
      .list()
      .map((def) => def.name),
  };
}

/**
 * `GET /apisix/admin/plugins/{name}` (and `/schema/plugins/{name}`): the plugin's schema,
 * `?schema_type=consumer|metadata` for its other schemas, `?all=true` for every plugin.
 */
export function getPlugin(
  sets: PluginSets,
  name: string | undefined,
  query: URLSearchParams,
): Reply {
  const subsystem = query.get('subsystem') ?? 'http';
  if (subsystem !== 'http' && subsystem !== 'stream') {
    throw badRequest(`unsupported subsystem: ${subsystem}`);
  }
  const registry = registryOf(sets, subsystem);
  if (query.get('all') === 'true') {
    const all: Record<string, unknown> = {};
    for (const def of registry.list()) all[def.name] = describe(sets, def);
    return { status: 200, body: all };
  }
  const def = name === undefined ? undefined : registry.get(name);
  if (def === undefined) throw notFound(`plugin not found in subsystem ${subsystem}`);
  const type = query.get('schema_type');
  const schema =
    type === 'consumer'
      ? def.consumerSchema
      : type === 'metadata'
        ? def.metadataSchema
        : withMeta(sets, def.schema);
  if (schema === undefined) throw badRequest('not found schema');
  return { status: 200, body: schema };
}

/** The part of a registry these endpoints read; a node without stream plugins has none. */
type PluginLookup = Pick<PluginRegistry, 'get' | 'list'>;
const NO_PLUGINS: PluginLookup = { get: () => undefined, list: () => [] };

function registryOf(sets: PluginSets, subsystem: 'http' | 'stream'): PluginLookup {
  if (subsystem === 'http') return sets.http();
  return sets.stream?.() ?? NO_PLUGINS;
}

function describe(sets: PluginSets, def: PluginDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {
    version: def.version,
    priority: def.priority,
    schema: withMeta(sets, def.schema),
  };
  if (def.metadataSchema !== undefined) out['metadata_schema'] = def.metadataSchema;
  if (def.consumerSchema !== undefined) out['consumer_schema'] = def.consumerSchema;
  if (def.type !== undefined) out['type'] = def.type;
  if (def.scope !== undefined) out['scope'] = def.scope;
  return out;
}

/** The schema as APISIX serves it: with the `_meta` property every plugin config may carry. */
function withMeta(sets: PluginSets, schema: JsonSchema): JsonSchema {
  const properties = schema['properties'];
  const props = typeof properties === 'object' && properties !== null ? properties : {};
  return { ...schema, properties: { ...props, _meta: sets.metaSchema } };
}
