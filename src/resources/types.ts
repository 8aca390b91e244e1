import type { PluginRegistry } from '../plugin/registry.js';
import type { JsonSchema } from '../plugin/types.js';

/** A resource value as stored: the JSON object the client sent plus id and timestamps. */
export type ResourceValue = Record<string, unknown>;

/** An item of a resource directory, as read from the store. */
export interface StoredItem {
  /** The key suffix after `<prefix>/<dir>/` (for credentials: `<username>/credentials/<id>`). */
  id: string;
  value: ResourceValue;
}

/**
 * What a resource check may read. Implemented by the Admin API over the config store (so
 * reference checks read the store, as APISIX reads etcd) and by the loaders over a snapshot.
 */
export interface CheckContext {
  readonly plugins: PluginRegistry;
  /** The stream plugin set stream routes are checked against; unchecked when absent. */
  readonly streamPlugins?: PluginRegistry;
  /**
   * For credentials: the username of the consumer the credential belongs to (from the URL
   * `/consumers/{username}/credentials/{id}`), so the duplicate-key check can tell a credential
   * from its own earlier version. Not needed when `check` gets the full `<u>/credentials/<id>`.
   */
  readonly consumerName?: string;
  /** The stored value of `<dir>/<id>`, or undefined when absent (or not JSON). */
  get(dir: string, id: string): Promise<ResourceValue | undefined>;
  /** Every item of a directory (e.g. for duplicate-key checks over consumers). */
  list(dir: string): Promise<StoredItem[]>;
}

/** How a value reached the check; PATCH and loaders allow timestamps, PUT/POST forbid them. */
export type CheckMode = 'create' | 'patch' | 'load';

/**
 * One resource kind of the Admin API and the store (routes, upstreams, ...), written once and
 * used by the Admin API, the loaders and `gatehouse validate`.
 */
export interface ResourceKind {
  /** URL segment and store directory: 'routes'. */
  readonly dir: string;
  /** The noun APISIX's messages use: 'route', 'plugin config', 'stream route'. */
  readonly kind: string;
  /** The JSON schema (APISIX `core.schema.<name>`), as served by GET /apisix/admin/schema/<name>. */
  readonly schema: JsonSchema;
  /** Methods that answer 405 `not supported \`POST\` method for <kind>`. */
  readonly unsupportedMethods: readonly ('PUT' | 'POST' | 'PATCH')[];
  /** The body field that carries the id: 'id', or 'username' for consumers. */
  readonly idField: 'id' | 'username';
  /** False for consumers (no `id` stored: the key is the username). */
  readonly storesId: boolean;
  /** False for plugin_metadata (APISIX stores no create_time/update_time there). */
  readonly timestamps: boolean;
  /**
   * Plain JSON-schema validation (what POST /apisix/admin/schema/validate/<dir> does): returns
   * the raw APISIX-style message (no `invalid configuration: ` prefix), or undefined when valid.
   * Never mutates `value`.
   */
  validateSchema(value: unknown): string | undefined;
  /**
   * The full write-time check: schema, then the checker extras and reference checks of spec
   * §2.7/§3 in APISIX's order. Throws GatehouseError GH_ERR_ADMIN_BAD_REQUEST whose message is
   * the exact APISIX `error_msg` (e.g. `invalid configuration: property "uri" validation failed:
   * ...`, `failed to fetch upstream info by upstream id [9], response code: 404`).
   * `id` is the item's id (key suffix). Never mutates `value`.
   */
  check(id: string, value: ResourceValue, ctx: CheckContext, mode: CheckMode): Promise<void>;
  /**
   * Delete-time reference check (spec §2.2 table): the APISIX message when something still uses
   * the item (`can not delete this upstream, route [1] is still using it now`), else undefined.
   */
  deleteBlocker?(id: string, ctx: CheckContext): Promise<string | undefined>;
  /** A copy of a stored value with schema defaults applied, as the data plane uses it. */
  withDefaults(value: ResourceValue): ResourceValue;
}
