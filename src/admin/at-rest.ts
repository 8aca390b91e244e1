import { decryptPrivateKey, encryptPrivateKey, type Keyring } from '../core/data-encryption.js';
import { jsonClone } from '../core/json-clone.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { PluginDefinition } from '../plugin/types.js';
import type { ResourceValue } from '../resources/types.js';
import { isObject } from './store-view.js';

type Op = (value: string) => string;
type SchemaType = 'default' | 'consumer' | 'metadata';

/** Directories whose values may embed an upstream (with `tls.client_key`). */
const EMBEDS_UPSTREAM = new Set(['routes', 'services', 'stream_routes']);
/** Directories whose `plugins` map APISIX encrypts on write. */
const ENCRYPTS_PLUGINS = new Set([
  'routes',
  'services',
  'global_rules',
  'plugin_configs',
  'consumer_groups',
  'consumers',
  'credentials',
]);

/**
 * Encryption at rest of what the Admin API stores (spec §1.6): SSL private keys and upstream
 * client keys whenever a keyring is set, plugin `encrypt_fields` when
 * `data_encryption.enable_encrypt_fields` is on. Every method returns a new value.
 */
export class AtRest {
  readonly #keyring: Keyring;
  readonly #fields: boolean;

  constructor(keyring: Keyring, enableEncryptFields: boolean) {
    this.#keyring = keyring;
    this.#fields = enableEncryptFields;
  }

  /** The value to store, encrypted (after the checks passed, as APISIX does). */
  encrypt(dir: string, value: ResourceValue, plugins: PluginRegistry): ResourceValue {
    const keyring = this.#keyring;
    const out = jsonClone(value);
    this.#privateKeys(dir, out, (v) => encryptPrivateKey(keyring, v));
    if (this.#fields) this.#pluginFields(dir, out, plugins, (v) => keyring.encrypt(v), 'write');
    return out;
  }

  /**
   * The stored value made plaintext before a PATCH merges into it, so the merged value is
   * checked like a PUT body and then encrypted once (AES-CBC with a fixed IV is deterministic,
   * so unchanged fields come out as they were stored).
   */
  decryptForPatch(dir: string, value: ResourceValue, plugins: PluginRegistry): ResourceValue {
    const out = jsonClone(value);
    this.#privateKeys(dir, out, (v) => decryptPrivateKey(this.#keyring, v));
    if (this.#fields) this.#pluginFields(dir, out, plugins, this.#decryptOp(), 'read');
    return out;
  }

  /** What GET returns: plugin fields decrypted, SSL private keys never returned. */
  forRead(dir: string, value: ResourceValue, plugins: PluginRegistry): ResourceValue {
    const out = jsonClone(value);
    if (dir === 'ssls') {
      delete out['key'];
      delete out['keys'];
    }
    if (this.#fields) this.#pluginFields(dir, out, plugins, this.#decryptOp(), 'read');
    return out;
  }

  #decryptOp(): Op {
    return (v) => this.#keyring.decrypt(v) ?? v;
  }

  #privateKeys(dir: string, value: ResourceValue, op: Op): void {
    if (dir === 'ssls') {
      if (typeof value['key'] === 'string') value['key'] = op(value['key']);
      if (Array.isArray(value['keys'])) {
        value['keys'] = value['keys'].map((k: unknown) => (typeof k === 'string' ? op(k) : k));
      }
      return;
    }
    const upstream =
      dir === 'upstreams' ? value : EMBEDS_UPSTREAM.has(dir) ? value['upstream'] : undefined;
    if (!isObject(upstream) || !isObject(upstream['tls'])) return;
    const tls = upstream['tls'];
    if (typeof tls['client_key'] === 'string') tls['client_key'] = op(tls['client_key']);
  }

  #pluginFields(
    dir: string,
    value: ResourceValue,
    plugins: PluginRegistry,
    op: Op,
    purpose: 'write' | 'read',
  ): void {
    if (dir === 'plugin_metadata') {
      const def = typeof value['id'] === 'string' ? plugins.get(value['id']) : undefined;
      // The id is not part of the metadata the plugin reads; the fields are.
      if (def !== undefined) applyFields(value, encryptFields(def, 'metadata'), op);
      return;
    }
    // APISIX decrypts `plugins` of every resource on GET but encrypts only some on write.
    if (purpose === 'write' && !ENCRYPTS_PLUGINS.has(dir)) return;
    if (!isObject(value['plugins'])) return;
    const type: SchemaType = dir === 'consumers' || dir === 'credentials' ? 'consumer' : 'default';
    for (const [name, conf] of Object.entries(value['plugins'])) {
      const def = plugins.get(name);
      if (def !== undefined && isObject(conf)) applyFields(conf, encryptFields(def, type), op);
    }
  }
}

/**
 * A schema may carry APISIX's `encrypt_fields` itself; otherwise the definition's list applies
 * to the route schema and (as APISIX falls back to `schema`) the consumer schema. Metadata is
 * only encrypted by a metadata schema's own list.
 */
function encryptFields(def: PluginDefinition, type: SchemaType): readonly string[] {
  const schema =
    type === 'metadata'
      ? def.metadataSchema
      : type === 'consumer'
        ? (def.consumerSchema ?? def.schema)
        : def.schema;
  const own = schema?.['encrypt_fields'];
  if (Array.isArray(own)) return own.filter((f): f is string => typeof f === 'string');
  return type === 'metadata' ? [] : (def.encryptFields ?? []);
}

function applyFields(conf: Record<string, unknown>, fields: readonly string[], op: Op): void {
  for (const field of fields) applyPath(conf, field.split('.'), op);
}

/** APISIX `process_encrypt_field`: dotted path, arrays traversed, string leaves (or lists / maps of strings). */
function applyPath(node: Record<string, unknown>, path: readonly string[], op: Op): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const val = node[head];
  if (rest.length > 0) {
    const children: unknown[] = Array.isArray(val) ? val : [val];
    for (const child of children) if (isObject(child)) applyPath(child, rest, op);
    return;
  }
  if (typeof val === 'string') node[head] = op(val);
  else if (Array.isArray(val))
    node[head] = val.map((v: unknown) => (typeof v === 'string' ? op(v) : v));
  else if (isObject(val)) {
    for (const [k, v] of Object.entries(val)) if (typeof v === 'string') val[k] = op(v);
  }
}
