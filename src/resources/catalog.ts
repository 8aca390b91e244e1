import type { JsonSchema } from '../plugin/types.js';
import { HOST_DEF, ID_SCHEMA, METHOD_SCHEMA } from './common.js';
import { PLUGIN_META_SCHEMA } from './plugins-check.js';
import { ROUTE_SCHEMA, routes } from './routes.js';
import { SERVICE_SCHEMA, services } from './services.js';
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
 * Every resource kind, keyed by its store directory / URL segment.
 *
 * @example
 *   findResourceKind('routes')?.check(id, body, ctx, 'create');
 */
export const RESOURCE_KINDS: ReadonlyMap<string, ResourceKind> = new Map(
  [routes, services, upstreams].map((k) => [k.dir, k]),
);

export function findResourceKind(dir: string): ResourceKind | undefined {
  return RESOURCE_KINDS.get(dir);
}

/** `core.schema.<name>` as served by GET /apisix/admin/schema/<name>. */
export const CORE_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  route: ROUTE_SCHEMA,
  service: SERVICE_SCHEMA,
  upstream: UPSTREAM_SCHEMA,
  upstream_hash_header_schema: UPSTREAM_HASH_HEADER_SCHEMA,
  upstream_hash_vars_schema: UPSTREAM_HASH_VARS_SCHEMA,
  upstream_hash_vars_combinations_schema: UPSTREAM_HASH_VARS_COMBINATIONS_SCHEMA,
  health_checker: HEALTH_CHECKER,
  id_schema: ID_SCHEMA,
  host_def: HOST_DEF,
  method_schema: METHOD_SCHEMA,
};

export { PLUGIN_META_SCHEMA };
