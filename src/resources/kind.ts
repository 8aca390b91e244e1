import { validateSchema, withSchemaDefaults } from '../core/schema.js';
import type { JsonSchema } from '../plugin/types.js';
import { fail, isObject } from './fail.js';
import type { CheckContext, CheckMode, ResourceKind, ResourceValue } from './types.js';

/**
 * Builds a ResourceKind from the parts that differ per resource, so the check pipeline
 * (APISIX `resource.lua` `check_conf`: forbidden timestamps, then the resource's checker) is
 * written once.
 */
export interface KindSpec {
  dir: string;
  kind: string;
  schema: JsonSchema;
  unsupportedMethods?: ResourceKind['unsupportedMethods'];
  idField?: ResourceKind['idField'];
  storesId?: boolean;
  timestamps?: boolean;
  /** The schema a given item is checked against, when it depends on the id (plugin metadata). */
  schemaFor?(id: string, ctx: CheckContext): JsonSchema;
  /** The schema whose defaults a stored value gets, when it depends on the value (secrets). */
  defaultsSchemaFor?(value: ResourceValue): JsonSchema;
  /** Checks APISIX runs before the schema (throw with `fail`). */
  before?(value: ResourceValue): void;
  /**
   * Checks after the schema. `conf` is a copy with schema defaults applied, as api7/jsonschema
   * injects them into the table the APISIX checker goes on to inspect.
   */
  extras?(id: string, conf: ResourceValue, ctx: CheckContext, mode: CheckMode): Promise<void>;
  deleteBlocker?: (id: string, ctx: CheckContext) => Promise<string | undefined>;
}

const FORBIDDEN = ['create_time', 'update_time'] as const;

/** PUT/POST may not carry timestamps, at the top level or inside `upstream` and `plugins`. */
function checkForbidden(value: ResourceValue): void {
  for (const [where, obj] of [
    ['', value],
    ['upstream.', value.upstream],
    ['plugins.', value.plugins],
  ] as const) {
    if (!isObject(obj)) continue;
    for (const field of FORBIDDEN) {
      // Two spaces: APISIX joins "forbidden: " and " <field>".
      if (obj[field] !== undefined) fail(`the property is forbidden:  ${where}${field}`);
    }
  }
}

export function defineKind(spec: KindSpec): ResourceKind {
  const schemaOf = (id: string, ctx: CheckContext): JsonSchema =>
    spec.schemaFor?.(id, ctx) ?? spec.schema;
  const kind: ResourceKind = {
    dir: spec.dir,
    kind: spec.kind,
    schema: spec.schema,
    unsupportedMethods: spec.unsupportedMethods ?? [],
    idField: spec.idField ?? 'id',
    storesId: spec.storesId ?? true,
    timestamps: spec.timestamps ?? true,
    validateSchema: (value) => validateSchema(spec.schema, value),
    async check(id, value, ctx, mode) {
      if (mode === 'create') checkForbidden(value);
      spec.before?.(value);
      const schema = schemaOf(id, ctx);
      const err = validateSchema(schema, value);
      if (err !== undefined) fail(`invalid configuration: ${err}`);
      await spec.extras?.(id, withSchemaDefaults(schema, value), ctx, mode);
    },
    withDefaults: (value) =>
      withSchemaDefaults(spec.defaultsSchemaFor?.(value) ?? spec.schema, value),
  };
  if (spec.deleteBlocker !== undefined) kind.deleteBlocker = spec.deleteBlocker;
  return kind;
}
