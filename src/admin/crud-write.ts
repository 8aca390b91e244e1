import { GatehouseError, isGatehouseError } from '../core/errors.js';
import type { ResourceValue } from '../resources/types.js';
import type { KeyValue, PutOptions, PutResult } from '../store/types.js';
import type { CrudCall } from './crud.js';
import { badRequest, keyNotFound, methodNotSupported, notFound } from './errors.js';
import {
  assertNoId,
  assertNoTimestamps,
  patchIdentity,
  putIdentity,
  secretManager,
} from './id-rules.js';
import { deepMerge, patchPath } from './merge.js';
import { isObject, parseValue } from './store-view.js';
import { itemEnvelope } from './json-text.js';
import { itemId } from './target.js';
import type { Reply } from './types.js';

/** PUT: create (201) or replace (200) the whole value; create_time survives a replace. */
export async function putItem(call: CrudCall): Promise<Reply> {
  const { kind, target } = call;
  rejectUnsupported(call, 'PUT');
  const body = objectBody(call, 'missing configurations');
  const { id, value } = putIdentity(kind, target, body);
  assertNoTimestamps(body);
  await call.kind.check(id, value, call.ctx, 'create');
  // Consumers are keyed by the username the schema has now accepted.
  const keyId = kind.dir === 'consumers' ? String(value['username']) : id;
  if (kind.dir === 'plugin_metadata') value['id'] = id;
  const stored = call.atRest.encrypt(kind.dir, value, call.registry);
  if (kind.dir === 'credentials') await assertConsumerExists(call);
  const key = call.keyOf(keyId);
  const { result, json } = kind.timestamps
    ? await putStamped(call, key, stored)
    : await put(call, key, stored);
  return {
    status: result.prev === undefined ? 201 : 200,
    body: itemEnvelope(key, json),
    revision: result.revision,
  };
}

/** POST: a new item whose id is a fresh store revision, 20-digit zero-padded (APISIX `push`). */
export async function postItem(call: CrudCall): Promise<Reply> {
  const { kind, target } = call;
  rejectUnsupported(call, 'POST');
  const body = objectBody(call, 'missing configurations');
  assertNoId(kind, target, body);
  assertNoTimestamps(body);
  // APISIX checks before it has an id; so does this, so a rejected POST costs no revision.
  await kind.check('', body, call.ctx, 'create');
  const stored = call.atRest.encrypt(kind.dir, body, call.registry);
  const gen = await call.store.put(`${call.prefix}/gen_id`, '1');
  const id = String(gen.revision).padStart(20, '0');
  const value: ResourceValue = { ...stored, id };
  if (kind.timestamps) {
    // One reading: two could straddle a second and give a new item two different times.
    const now = call.now();
    value['create_time'] = now;
    value['update_time'] = now;
  }
  const key = call.keyOf(itemId(target, id));
  const { result, json } = await put(call, key, value);
  return { status: 201, body: itemEnvelope(key, json), revision: result.revision };
}

/**
 * PATCH: merge into (or replace a sub-path of) the stored value, check the result like a PUT
 * that may carry timestamps, and write it only if nobody wrote the key since it was read.
 */
export async function patchItem(call: CrudCall): Promise<Reply> {
  const { kind, target, req } = call;
  rejectUnsupported(call, 'PATCH');
  if (kind.dir === 'secrets') {
    secretManager(target);
    if (target.id === undefined) throw badRequest('no secret id');
  }
  if (target.id === undefined) throw badRequest(`missing ${kind.kind} id`);
  const body = req.body;
  if (body === undefined || body === null) throw badRequest('missing new configuration');
  const subPath = target.subPath;
  if (subPath.length === 0 && !isObject(body)) throw badRequest('invalid configuration');
  const key = call.keyOf(itemId(target, target.id));
  const old = await call.store.get(key);
  const oldValue = old === undefined ? undefined : parseValue(old.value);
  if (old === undefined || oldValue === undefined) throw keyNotFound();
  const plain = call.atRest.decryptForPatch(kind.dir, oldValue, call.registry);
  const now = call.now();
  let merged: ResourceValue;
  if (subPath.length > 0) {
    merged = patchPath(plain, subPath, body);
    if (kind.timestamps) merged['update_time'] = now;
  } else {
    const patch = body as ResourceValue;
    merged = deepMerge(plain, patch);
    if (
      kind.timestamps &&
      (patch['update_time'] === undefined || merged['update_time'] === undefined)
    ) {
      merged['update_time'] = now;
    }
  }
  if (kind.timestamps) merged['create_time'] ??= now;
  const { id, value } = patchIdentity(kind, target, merged);
  await kind.check(id, value, call.ctx, 'patch');
  const stored = call.atRest.encrypt(kind.dir, value, call.registry);
  const { result, json } = await put(call, key, stored, old.modRevision);
  return { status: 200, body: itemEnvelope(key, json), revision: result.revision };
}

/** DELETE: reference check unless `?force=true`, a consumer takes its credentials with it. */
export async function deleteItem(call: CrudCall): Promise<Reply> {
  const { kind, target, req } = call;
  if (kind.dir === 'secrets') secretManager(target);
  if (target.id === undefined) throw badRequest(`missing ${kind.kind} id`);
  const id = itemId(target, target.id);
  const key = call.keyOf(id);
  if (kind.deleteBlocker !== undefined && req.query.get('force') !== 'true') {
    const blocker = await kind.deleteBlocker(id, call.ctx);
    if (blocker !== undefined) throw badRequest(blocker);
  }
  if (kind.dir === 'consumers' && (await call.store.get(key)) !== undefined) {
    await call.store.deletePrefix(`${key}/credentials/`);
  }
  const result = await call.store.delete(key);
  if (!result.deleted) throw keyNotFound();
  return { status: 200, body: { deleted: '1', key }, revision: result.revision };
}

function rejectUnsupported(call: CrudCall, method: 'PUT' | 'POST' | 'PATCH'): void {
  if (call.kind.unsupportedMethods.includes(method))
    throw methodNotSupported(method, call.kind.kind);
}

/** The request body as an object; what else it is, the resource schema says. */
function objectBody(call: CrudCall, missing: string): ResourceValue {
  const body = call.req.body;
  if (body === undefined || body === null) throw badRequest(missing);
  if (isObject(body)) return body;
  const reason =
    call.kind.validateSchema(body) ?? `wrong type: expected object, got ${jsonType(body)}`;
  throw badRequest(`invalid configuration: ${reason}`);
}

function jsonType(v: unknown): string {
  return Array.isArray(v) ? 'array' : typeof v;
}

async function assertConsumerExists(call: CrudCall): Promise<void> {
  const consumer = await call.store.get(`${call.prefix}/consumers/${call.target.parent ?? ''}`);
  if (consumer === undefined || parseValue(consumer.value) === undefined) {
    throw notFound('consumer not found');
  }
}

/** A store write's result and the JSON it stored, which the reply's envelope reuses. */
interface Written {
  result: PutResult;
  json: string;
}

/**
 * PUT's write: `create_time` survives from the value it replaces, `update_time` is now. A store
 * that can (the embedded one) reads the previous value in the write's own transaction.
 */
function putStamped(call: CrudCall, key: string, stored: ResourceValue): Promise<Written> {
  const stamp = (prev: KeyValue | undefined): ResourceValue => {
    const prevCreate = prev === undefined ? undefined : parseValue(prev.value)?.['create_time'];
    const now = call.now();
    stored['create_time'] = prevCreate ?? now;
    stored['update_time'] = now;
    return stored;
  };
  const store = call.store;
  if (store.putFrom === undefined) {
    return store.get(key).then((prev) => put(call, key, stamp(prev)));
  }
  const putFrom = store.putFrom.bind(store);
  // The store may call valueOf again (a retried compare); the last value is the one written.
  let json = '';
  return write(
    call,
    undefined,
    (opts) => putFrom(key, (prev) => (json = JSON.stringify(stamp(prev))), opts),
    () => json,
  );
}

function put(
  call: CrudCall,
  key: string,
  value: ResourceValue,
  ifModRevision?: number,
): Promise<Written> {
  const json = JSON.stringify(value);
  return write(
    call,
    ifModRevision,
    (opts) => call.store.put(key, json, opts),
    () => json,
  );
}

/** A store write with the request's compare and lease; a failed compare in APISIX's words. */
function write(
  call: CrudCall,
  ifModRevision: number | undefined,
  op: (opts: PutOptions) => Promise<PutResult>,
  jsonOf: () => string,
): Promise<Written> {
  const opts: PutOptions = {};
  if (ifModRevision !== undefined) opts.ifModRevision = ifModRevision;
  if (call.ttl !== undefined) opts.leaseTtlSeconds = call.ttl;
  let pending: Promise<PutResult>;
  try {
    pending = op(opts);
  } catch (err) {
    rethrowConflict(err);
  }
  return pending.then((result) => ({ result, json: jsonOf() }), rethrowConflict);
}
function rethrowConflict(err: unknown): never {
  if (isGatehouseError(err, 'GH_ERR_STORE_CONFLICT')) {
    throw new GatehouseError('GH_ERR_STORE_CONFLICT', 'value changed before overwritten', {
      cause: err,
    });
  }
  throw err;
}
