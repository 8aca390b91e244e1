import type { JsonSchema } from '../plugin/types.js';
import { HOST_DEF, ID_SCHEMA, METHOD_SCHEMA } from './common.js';
import { CONSUMER_SCHEMA, consumers } from './consumers.js';
import { CREDENTIAL_SCHEMA, credentials } from './credentials.js';
import {
  CONSUMER_GROUP_SCHEMA,
  GLOBAL_RULE_SCHEMA,
  PLUGIN_CONFIG_SCHEMA,
  consumerGroups,
  globalRules,
  pluginConfigs,
} from './plugin-holders.js';
import { pluginMetadata } from './plugin-metadata.js';
import { PLUGIN_META_SCHEMA } from './plugins-check.js';
import { PROTO_SCHEMA, protos } from './protos.js';
import { ROUTE_SCHEMA, routes } from './routes.js';
import { secrets } from './secrets.js';
import { SERVICE_SCHEMA, services } from './services.js';
import { SSL_SCHEMA, ssls } from './ssls.js';
import { STREAM_ROUTE_SCHEMA, streamRoutes } from './stream-routes.js';
import type { ResourceKind } from './types.js';
import {
  HEALTH_CHECKER,
  UPSTREAM_HASH_HEADER_SCHEMA,
  UPSTREAM_HASH_VARS_COMBINATIONS_SCHEMA,
  UPSTREAM_HASH_VARS_SCHEMA,
  UPSTREAM_SCHEMA,
} from './upstream-schema.js';
import { upstreams } from './upstreams.js';

/**
 * Every resource kind, keyed by its store directory / URL segment ('credentials' too, although
 * the Admin API nests it under consumers/{username}/credentials).
 *
 * @example
 *   await findResourceKind('routes')?.check('1', body, ctx, 'create');
 */
export const RESOURCE_KINDS: ReadonlyMap<string, ResourceKind> = new Map(
  [
    routes,
    services,
    upstreams,
    consumers,
    credentials,
    consumerGroups,
    ssls,
    globalRules,
    pluginConfigs,
    pluginMetadata,
    protos,
    streamRoutes,
    secrets,
  ].map((k) => [k.dir, k]),
);

export function findResourceKind(dir: string): ResourceKind | undefined {
  return RESOURCE_KINDS.get(dir);
}

/** The `/apisix/plugins` key: the plugin list the control plane publishes. */
const PLUGINS_LIST_SCHEMA: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1 },
      stream: { type: 'boolean' },
      // Sic: APISIX nests `additionalProperties` inside `properties`; kept for identical output.
      additionalProperties: false,
    },
    required: ['name'],
  },
};

/** `core.schema.<name>` as served by GET /apisix/admin/schema/<name>. */
export const CORE_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  route: ROUTE_SCHEMA,
  service: SERVICE_SCHEMA,
  upstream: UPSTREAM_SCHEMA,
  consumer: CONSUMER_SCHEMA,
  credential: CREDENTIAL_SCHEMA,
  consumer_group: CONSUMER_GROUP_SCHEMA,
  global_rule: GLOBAL_RULE_SCHEMA,
  plugin_config: PLUGIN_CONFIG_SCHEMA,
  plugins: PLUGINS_LIST_SCHEMA,
  proto: PROTO_SCHEMA,
  ssl: SSL_SCHEMA,
  stream_route: STREAM_ROUTE_SCHEMA,
  upstream_hash_header_schema: UPSTREAM_HASH_HEADER_SCHEMA,
  upstream_hash_vars_schema: UPSTREAM_HASH_VARS_SCHEMA,
  upstream_hash_vars_combinations_schema: UPSTREAM_HASH_VARS_COMBINATIONS_SCHEMA,
  health_checker: HEALTH_CHECKER,
  id_schema: ID_SCHEMA,
  host_def: HOST_DEF,
  method_schema: METHOD_SCHEMA,
};

export { PLUGIN_META_SCHEMA };
