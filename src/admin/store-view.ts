import type { PluginRegistry } from '../plugin/registry.js';
import type { CheckContext, ResourceValue, StoredItem } from '../resources/types.js';
import type { ConfigStore, KeyValue } from '../store/types.js';

/** A parsed stored item with its revisions, as list and get responses need them. */
export interface StoredEntry {
  key: string;
  /** The key suffix after `<prefix>/<dir>/`. */
  id: string;
  value: ResourceValue;
  createRevision: number;
  modRevision: number;
}

/** The JSON object a stored value holds, or undefined for APISIX's `init_dir` placeholders. */
export function parseValue(raw: string): ResourceValue | undefined {
  try {
    const value = JSON.parse(raw) as unknown;
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is ResourceValue {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function toEntry(kv: KeyValue, id: string): StoredEntry | undefined {
  const value = parseValue(kv.value);
  if (value === undefined) return undefined;
  return { key: kv.key, id, value, createRevision: kv.createRevision, modRevision: kv.modRevision };
}

/**
 * Where each directory's items live. Credentials are the one kind stored under another
 * kind's keys (`/consumers/{u}/credentials/{id}`); their item id is that whole suffix
 * `{u}/credentials/{id}`, as StoredItem documents.
 */
export function itemKey(prefix: string, dir: string, id: string): string {
  if (dir === 'credentials') return `${prefix}/consumers/${id}`;
  return `${prefix}/${dir}/${id}`;
}

/**
 * Every item of a directory, in key order, placeholders skipped. Nested keys (a consumer's
 * credentials, a service's sub-resources) are not items of the parent directory; secrets and
 * credentials are the kinds whose ids contain a slash.
 */
export async function listDir(
  store: ConfigStore,
  prefix: string,
  dir: string,
): Promise<StoredEntry[]> {
  const base = dir === 'credentials' ? `${prefix}/consumers/` : `${prefix}/${dir}/`;
  const { items } = await store.range(base);
  const entries: StoredEntry[] = [];
  for (const kv of items) {
    const id = kv.key.slice(base.length);
    if (!idBelongs(dir, id)) continue;
    const entry = toEntry(kv, id);
    if (entry !== undefined) entries.push(entry);
  }
  return entries;
}

/** One consumer's credentials, without ranging over every other consumer. */
export async function listCredentials(
  store: ConfigStore,
  prefix: string,
  username: string,
): Promise<StoredEntry[]> {
  const base = `${prefix}/consumers/${username}/credentials/`;
  const { items } = await store.range(base);
  const entries: StoredEntry[] = [];
  for (const kv of items) {
    const credentialId = kv.key.slice(base.length);
    if (credentialId === '' || credentialId.includes('/')) continue;
    const entry = toEntry(kv, `${username}/credentials/${credentialId}`);
    if (entry !== undefined) entries.push(entry);
  }
  return entries;
}

function idBelongs(dir: string, id: string): boolean {
  const parts = id.split('/');
  if (dir === 'credentials') return parts.length === 3 && parts[1] === 'credentials';
  if (dir === 'secrets') return parts.length === 2;
  return parts.length === 1 && id !== '';
}

/**
 * The CheckContext resource checks run against: reads go to the store, as APISIX's Admin API
 * reads etcd for reference checks. Values are handed over decrypted (`plaintext`), as APISIX's
 * checks see its decrypted in-memory copies: a duplicate auth key must be found even though the
 * stored one is encrypted at rest.
 */
export function storeCheckContext(
  store: ConfigStore,
  prefix: string,
  plugins: PluginRegistry,
  plaintext: (dir: string, value: ResourceValue) => ResourceValue,
  streamPlugins?: PluginRegistry,
): CheckContext {
  return {
    plugins,
    streamPlugins,
    async get(dir: string, id: string): Promise<ResourceValue | undefined> {
      const kv = await store.get(itemKey(prefix, dir, id));
      const value = kv === undefined ? undefined : parseValue(kv.value);
      return value === undefined ? undefined : plaintext(dir, value);
    },
    async list(dir: string): Promise<StoredItem[]> {
      const entries = await listDir(store, prefix, dir);
      return entries.map(({ id, value }) => ({ id, value: plaintext(dir, value) }));
    },
  };
}
