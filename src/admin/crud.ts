import type { PluginRegistry } from '../plugin/registry.js';
import type { CheckContext, ResourceKind } from '../resources/types.js';
import type { ConfigStore } from '../store/types.js';
import type { AtRest } from './at-rest.js';
import { readItem, readList } from './crud-read.js';
import { deleteItem, patchItem, postItem, putItem } from './crud-write.js';
import { keyNotFound } from './errors.js';
import { itemKey, storeCheckContext } from './store-view.js';
import { itemId, type Target } from './target.js';
import type { AdminRequest, Reply } from './types.js';

/** What the generic CRUD needs, fixed for the server's life (plugins are read per request). */
export interface CrudDeps {
  store: ConfigStore;
  /** `/apisix`: every key and response `key` starts with it. */
  prefix: string;
  plugins: () => PluginRegistry;
  /** The stream plugin set stream routes' plugins are checked against. */
  streamPlugins?: () => PluginRegistry;
  atRest: AtRest;
  /** Unix seconds, for create_time / update_time. */
  now: () => number;
}

/** One request's view: the deps plus the resource it addresses. */
export interface CrudCall extends CrudDeps {
  kind: ResourceKind;
  target: Target;
  req: AdminRequest;
  registry: PluginRegistry;
  ctx: CheckContext;
  /** `?ttl=N` (validated numeric before dispatch). */
  ttl: number | undefined;
  /** The full store key of `<dir>/<id>` for a key suffix. */
  keyOf(id: string): string;
}

/**
 * The one CRUD implementation every resource kind goes through (APISIX `admin/resource.lua`):
 * the kind supplies schema, checks and reference rules; this supplies ids, timestamps,
 * encryption, envelopes and the store writes.
 */
export function handleResource(
  deps: CrudDeps,
  kind: ResourceKind,
  target: Target,
  req: AdminRequest,
): Promise<Reply> {
  const registry = deps.plugins();
  const ttlRaw = req.query.get('ttl');
  // The deps are listed, not spread: in Node 20 a spread followed by more properties gives every
  // call object a map of its own, and each `call.x` read then misses its inline cache.
  const call: CrudCall = {
    store: deps.store,
    prefix: deps.prefix,
    plugins: deps.plugins,
    streamPlugins: deps.streamPlugins,
    atRest: deps.atRest,
    now: deps.now,
    kind,
    target,
    req,
    registry,
    ctx: checkContext(deps, registry),
    ttl: ttlRaw === null ? undefined : Number(ttlRaw),
    keyOf: (id) => itemKey(deps.prefix, kind.dir, id),
  };
  switch (req.method) {
    case 'GET':
      if (target.id === undefined) return readList(call);
      return readItem(call, itemId(target, target.id));
    case 'PUT':
      return putItem(call);
    case 'POST':
      return postItem(call);
    case 'PATCH':
      return patchItem(call);
    case 'DELETE':
      return deleteItem(call);
    default:
      return Promise.reject(keyNotFound());
  }
}

/**
 * The check context of each Admin API's current plugin sets: the same object for every request
 * until a reload replaces a set.
 */
const contexts = new WeakMap<
  CrudDeps,
  { registry: PluginRegistry; stream: PluginRegistry | undefined; ctx: CheckContext }
>();

function checkContext(deps: CrudDeps, registry: PluginRegistry): CheckContext {
  const stream = deps.streamPlugins?.();
  const last = contexts.get(deps);
  if (last?.registry === registry && last.stream === stream) return last.ctx;
  const ctx = storeCheckContext(
    deps.store,
    deps.prefix,
    registry,
    (dir, value) => deps.atRest.decryptForPatch(dir, value, registry),
    stream,
  );
  contexts.set(deps, { registry, stream, ctx });
  return ctx;
}
