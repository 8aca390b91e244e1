import { validateSchema, withSchemaDefaults } from '../core/schema.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { JsonSchema, PluginDefinition } from '../plugin/types.js';
import { checkJsFunction } from './code-fields.js';
import { isObject } from './fail.js';
import type { CheckMode } from './types.js';
import { checkVarsExpr } from './vars-expr.js';

/**
 * The check of a `plugins` map (APISIX `plugin.lua` `check_schema` /
 * `check_single_plugin_schema`), shared by every resource that carries plugins.
 */

/** `_meta`, injected into every plugin's schema (APISIX `plugin_injected_schema`). */
export const PLUGIN_META_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    disable: { type: 'boolean' },
    error_response: { oneOf: [{ type: 'string' }, { type: 'object' }] },
    priority: { type: 'integer' },
    filter: { type: 'array' },
    pre_function: { type: 'string' },
  },
  additionalProperties: false,
};

const injected = new WeakMap<JsonSchema, JsonSchema>();

/** The plugin's schema with `_meta` added to its properties (cached, the original untouched). */
export function withMeta(schema: JsonSchema): JsonSchema {
  let out = injected.get(schema);
  if (out === undefined) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    out = { ...schema, properties: { ...properties, _meta: PLUGIN_META_SCHEMA } };
    injected.set(schema, out);
  }
  return out;
}

export interface PluginsCheckOptions {
  /** Consumers and credentials use each plugin's consumer schema. */
  consumer?: boolean;
  /** Stream route plugins word a schema failure as APISIX's `stream_check_schema` does. */
  stream?: boolean;
  mode: CheckMode;
}

function schemaFor(def: PluginDefinition, consumer: boolean): JsonSchema {
  if (consumer && def.consumerSchema !== undefined) return def.consumerSchema;
  return withMeta(def.schema);
}

function checkOne(
  name: string,
  conf: unknown,
  registry: PluginRegistry,
  opts: PluginsCheckOptions,
): string | undefined {
  if (!isObject(conf)) return `invalid plugin conf ${JSON.stringify(conf)} for plugin [${name}]`;
  const def = registry.get(name);
  if (def === undefined) {
    // Loaders skip unknown plugins (APISIX data plane: warn and go on); writes refuse them.
    return opts.mode === 'load' ? undefined : `unknown plugin [${name}]`;
  }
  const err = validateSchema(schemaFor(def, opts.consumer === true), conf);
  const meta = isObject(conf._meta) ? conf._meta : undefined;
  // A disabled plugin never runs, so a config that fails its schema is tolerated.
  if (err !== undefined && meta?.disable !== true) {
    return opts.stream === true
      ? `failed to check the configuration of stream plugin [${name}]: ${err}`
      : `failed to check the configuration of plugin ${name} err: ${err}`;
  }
  if (err === undefined && def.check !== undefined) {
    const consumer = opts.consumer === true && def.consumerSchema !== undefined;
    const extra = def.check(
      withSchemaDefaults(consumer ? def.consumerSchema : def.schema, conf),
      consumer ? 'consumer' : 'route',
    );
    if (extra !== undefined && meta?.disable !== true) {
      return opts.stream === true
        ? `failed to check the configuration of stream plugin [${name}]: ${extra}`
        : `failed to check the configuration of plugin ${name} err: ${extra}`;
    }
  }
  if (meta?.filter !== undefined) {
    const exprErr = checkVarsExpr(meta.filter);
    if (exprErr !== undefined) return `failed to validate the 'vars' expression: ${exprErr}`;
  }
  if (typeof meta?.pre_function === 'string') {
    const fnErr = checkJsFunction('_meta.pre_function', meta.pre_function);
    if (fnErr !== undefined) return `failed to load _meta.pre_function in plugin ${name}: ${fnErr}`;
  }
  return undefined;
}

/** The first problem in a `plugins` map, as APISIX words it, or undefined. */
export function checkPlugins(
  plugins: unknown,
  registry: PluginRegistry,
  opts: PluginsCheckOptions,
): string | undefined {
  if (!isObject(plugins)) return undefined;
  for (const [name, conf] of Object.entries(plugins)) {
    const err = checkOne(name, conf, registry, opts);
    if (err !== undefined) return err;
  }
  return undefined;
}
