import type { ResourceKind, ResourceValue } from '../resources/types.js';
import { badRequest } from './errors.js';
import { isObject } from './store-view.js';
import type { Target } from './target.js';

/** The secret managers APISIX ships (`apisix/secret/*.lua`). */
const SECRET_MANAGERS = new Set(['vault', 'aws', 'gcp']);

const ID_MESSAGE =
  'invalid configuration: property "id" validation failed: object matches none of the required';

/**
 * Where a write lands: `id` is the key suffix after `<prefix>/<dir>/` (what checks receive),
 * `value` the body with the id APISIX stores in it.
 */
export interface WriteIdentity {
  id: string;
  value: ResourceValue;
}

/** APISIX `check_conf` id rules for PUT (spec §2.3): id from the URL, else from the body. */
export function putIdentity(
  kind: ResourceKind,
  target: Target,
  body: ResourceValue,
): WriteIdentity {
  if (kind.dir === 'consumers') {
    const username = target.id ?? body['username'];
    if (
      target.id !== undefined &&
      body['username'] !== undefined &&
      body['username'] !== target.id
    ) {
      throw badRequest('wrong username');
    }
    // A missing or bad username is the schema's to report.
    return { id: typeof username === 'string' ? username : '', value: { ...body } };
  }
  if (kind.dir === 'plugin_metadata') {
    if (target.id === undefined) throw badRequest('missing plugin name');
    return { id: target.id, value: { ...body } };
  }
  if (kind.dir === 'secrets') {
    const manager = secretManager(target);
    if (target.id === undefined) throw badRequest('missing secret id');
    return withId(kind, `${manager}/${target.id}`, body, `${manager}/${target.id}`);
  }
  const id: unknown = target.id ?? body['id'];
  if (id === undefined || id === null) throw badRequest(`missing ${kind.kind} id`);
  const suffix = idText(id);
  return withId(
    kind,
    id,
    body,
    target.dir === 'credentials' ? `${target.parent ?? ''}/credentials/${suffix}` : suffix,
  );
}

/** PATCH: the id is the URL's, and the merged value may not name another one. */
export function patchIdentity(
  kind: ResourceKind,
  target: Target,
  merged: ResourceValue,
): WriteIdentity {
  const urlId =
    kind.dir === 'secrets' ? `${secretManager(target)}/${target.id ?? ''}` : (target.id ?? '');
  return withId(kind, urlId, merged, urlId);
}

/** POST: the store generates the id, so neither the URL nor the body may carry one. */
export function assertNoId(kind: ResourceKind, target: Target, body: ResourceValue): void {
  if (target.id !== undefined || (body['id'] !== undefined && body['id'] !== null)) {
    throw badRequest(`wrong ${kind.kind} id, do not need it`);
  }
}

export function secretManager(target: Target): string {
  const manager = target.parent ?? '';
  if (!SECRET_MANAGERS.has(manager)) throw badRequest(`invalid secret manager: ${manager}`);
  return manager;
}

function withId(
  kind: ResourceKind,
  id: unknown,
  body: ResourceValue,
  suffix: string,
): WriteIdentity {
  const bodyId = body['id'];
  if (bodyId !== undefined && bodyId !== null && idText(bodyId) !== idText(id)) {
    throw badRequest(`wrong ${kind.kind} id`);
  }
  // The id schema's pattern admits `.` and `..`, which would make keys that read as paths.
  const text = idText(id);
  const last = text.split('/').pop();
  if (last === '.' || last === '..' || (kind.dir !== 'secrets' && text.includes('/'))) {
    throw badRequest(ID_MESSAGE);
  }
  return { id: suffix, value: withIdField(body, id) };
}

/**
 * `{ ...body, id }`, copied key by key. In Node 20 (V8 11) a spread at a call site that has seen
 * several object shapes gives every result a map of its own once `id` is added, so each later
 * property read of the value (the validator reads every property of its schema) missed its
 * inline cache, on every write. A `__proto__` key from JSON stays an own property, as a spread
 * keeps it.
 */
function withIdField(body: ResourceValue, id: unknown): ResourceValue {
  const value: ResourceValue = {};
  for (const key of Object.keys(body)) {
    if (key === '__proto__') {
      Object.defineProperty(value, key, {
        value: body[key],
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else {
      value[key] = body[key];
    }
  }
  value['id'] = id;
  return value;
}

/**
 * PUT and POST may not carry timestamps, at the top level nor inside `upstream` or `plugins`
 * (APISIX `check_forbidden_properties`; the double space is APISIX's).
 */
export function assertNoTimestamps(body: ResourceValue): void {
  for (const [where, obj] of [
    ['', body],
    ['upstream.', body['upstream']],
    ['plugins.', body['plugins']],
  ] as const) {
    if (!isObject(obj)) continue;
    for (const field of ['create_time', 'update_time']) {
      const v = obj[field];
      if (v !== undefined && v !== false) {
        throw badRequest(`the property is forbidden:  ${where}${field}`);
      }
    }
  }
}

/** How APISIX compares ids: `tostring`, so the integer 1 and the string "1" are the same id. */
function idText(id: unknown): string {
  return typeof id === 'string' || typeof id === 'number' ? String(id) : JSON.stringify(id);
}
