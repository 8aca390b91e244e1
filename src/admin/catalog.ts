import type { JsonSchema } from '../plugin/types.js';
import { CORE_SCHEMAS, PLUGIN_META_SCHEMA, RESOURCE_KINDS } from '../resources/catalog.js';
import type { ResourceKind } from '../resources/types.js';

/** What the Admin API takes from src/resources: the kinds it serves and the schemas it shows. */
export interface AdminCatalog {
  kinds: ReadonlyMap<string, ResourceKind>;
  /** For `GET /apisix/admin/schema/{name}`. */
  coreSchemas: ReadonlyMap<string, JsonSchema>;
  /** The `_meta` property APISIX injects into every served plugin schema. */
  metaSchema: JsonSchema;
}

export const ADMIN_CATALOG: AdminCatalog = {
  kinds: RESOURCE_KINDS,
  coreSchemas: asMap(CORE_SCHEMAS),
  metaSchema: PLUGIN_META_SCHEMA,
};

function asMap(
  schemas: ReadonlyMap<string, JsonSchema> | Readonly<Record<string, JsonSchema>>,
): ReadonlyMap<string, JsonSchema> {
  return schemas instanceof Map ? schemas : new Map(Object.entries(schemas));
}
