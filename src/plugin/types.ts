/**
 * The plugin contract (DESIGN.md "Plugins", STYLE.md habit 1): one declarative object per plugin
 * file. Phase hooks arrive with the data-plane issue; this is what the registry and the Admin API
 * need: identity, order and schemas.
 */

export type JsonSchema = Record<string, unknown>;

export interface PluginDefinition {
  /** = file name = config key, as in APISIX. */
  readonly name: string;
  readonly version: number;
  /** Unique across enabled plugins; higher runs first. */
  readonly priority: number;
  /** 'auth' for authentication plugins (the only kind a credential may carry). */
  readonly type?: 'auth';
  /** 'global' for plugins that may only be configured in global rules / metadata. */
  readonly scope?: 'global';
  /** 'prefer_route': skipped in global rules when the route enables the same plugin. */
  readonly runPolicy?: 'prefer_route';
  /** The configuration schema for routes, services, plugin_configs, global rules, groups. */
  readonly schema: JsonSchema;
  /** The schema a consumer's / credential's configuration of this plugin must match. */
  readonly consumerSchema?: JsonSchema;
  /** The schema of this plugin's plugin_metadata. */
  readonly metadataSchema?: JsonSchema;
  /** Dotted paths of fields encrypted at rest (APISIX `encrypt_fields`). */
  readonly encryptFields?: readonly string[];
}
