import assert from 'node:assert/strict';
import { isGatehouseError } from '../../src/core/errors.js';
import { PluginRegistry } from '../../src/plugin/registry.js';
import type { PluginDefinition } from '../../src/plugin/types.js';
import { findResourceKind } from '../../src/resources/catalog.js';
import type {
  CheckContext,
  CheckMode,
  ResourceKind,
  ResourceValue,
  StoredItem,
} from '../../src/resources/types.js';

/** Fake plugins: the registry ships empty until the plugins issue. */
const FAKE_PLUGINS: PluginDefinition[] = [
  {
    name: 'key-auth',
    version: 0.1,
    priority: 2500,
    type: 'auth',
    schema: { type: 'object', properties: { header: { type: 'string', default: 'apikey' } } },
    consumerSchema: {
      type: 'object',
      properties: { key: { type: 'string' } },
      required: ['key'],
    },
  },
  {
    name: 'basic-auth',
    version: 0.1,
    priority: 2520,
    type: 'auth',
    schema: { type: 'object' },
    consumerSchema: {
      type: 'object',
      properties: { username: { type: 'string' }, password: { type: 'string' } },
      required: ['username', 'password'],
    },
  },
  {
    name: 'limit-count',
    version: 0.4,
    priority: 1002,
    schema: {
      type: 'object',
      properties: {
        count: { type: 'integer', exclusiveMinimum: 0 },
        time_window: { type: 'integer', exclusiveMinimum: 0 },
        rejected_msg: { type: 'string' },
      },
      required: ['count', 'time_window'],
    },
    metadataSchema: {
      type: 'object',
      properties: { limit_header: { type: 'string', default: 'X-RateLimit-Limit' } },
      required: ['limit_header'],
    },
  },
  { name: 'echo', version: 0.1, priority: 412, schema: { type: 'object' } },
];

export const registry = new PluginRegistry(
  FAKE_PLUGINS,
  FAKE_PLUGINS.map((p) => p.name),
);

/**
 * Items of a directory as the Admin API's store view lists them: credentials are stored under
 * `consumers/<u>/credentials/<id>` and listed only as `credentials` items with that suffix id.
 */
function listDir(map: Map<string, ResourceValue>, dir: string): StoredItem[] {
  const base = dir === 'credentials' ? 'consumers/' : `${dir}/`;
  const nested = dir === 'credentials' || dir === 'secrets';
  return [...map]
    .filter(([key]) => key.startsWith(base))
    .map(([key, value]): StoredItem => ({ id: key.slice(base.length), value }))
    .filter(({ id }) =>
      dir === 'credentials' ? id.includes('/credentials/') : nested || !id.includes('/'),
    );
}

/** A CheckContext over an in-memory `<dir>/<id>` map, like the store's key layout. */
export function memoryContext(
  items: Record<string, ResourceValue> = {},
  extra: { consumerName?: string } = {},
): CheckContext {
  const map = new Map(Object.entries(items));
  return {
    plugins: registry,
    ...extra,
    get: (dir, id) => Promise.resolve(map.get(`${dir}/${id}`)),
    list: (dir) => Promise.resolve(listDir(map, dir)),
  };
}

export function kindOf(dir: string): ResourceKind {
  const kind = findResourceKind(dir);
  assert.ok(kind, `no resource kind ${dir}`);
  return kind;
}

export interface CheckCase {
  desc: string;
  value: ResourceValue;
  id?: string;
  store?: Record<string, ResourceValue>;
  mode?: CheckMode;
  consumerName?: string;
  /** The exact error message, or undefined when the value must be accepted. */
  error?: string;
}

/** Runs `check` and compares the outcome with the case. */
export async function runCheck(dir: string, c: CheckCase): Promise<void> {
  const kind = kindOf(dir);
  const ctx = memoryContext(
    c.store ?? {},
    c.consumerName === undefined ? {} : { consumerName: c.consumerName },
  );
  const before = structuredClone(c.value);
  let message: string | undefined;
  try {
    await kind.check(c.id ?? '1', c.value, ctx, c.mode ?? 'create');
  } catch (err) {
    assert.ok(isGatehouseError(err, 'GH_ERR_ADMIN_BAD_REQUEST'), String(err));
    message = err.message;
  }
  assert.equal(message, c.error);
  assert.deepEqual(c.value, before, 'check must not mutate the value');
}
