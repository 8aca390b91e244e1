import type { JsonSchema } from '../plugin/types.js';
import type { ResourceKind } from '../resources/types.js';
import type { AdminAuth } from './auth.js';
import { handleResource, type CrudDeps } from './crud.js';
import { GatehouseError } from '../core/errors.js';
import { badRequest, failed, notFound } from './errors.js';
import { luaNumber } from './list-query.js';
import { getPlugin, listPlugins, type PluginSets } from './plugins-api.js';
import { getCoreSchema, validateAgainstSchema } from './schema-api.js';
import { resolveTarget } from './target.js';
import type { AdminRequest, Reply } from './types.js';
import type { WaitOutcome } from './wait-applied.js';

/** The request as the router sees it, before the body is read. */
export interface IncomingAdminRequest extends Omit<AdminRequest, 'body'> {
  readBody(): Promise<unknown>;
}

export interface DispatchDeps {
  auth: AdminAuth;
  crud: CrudDeps;
  kinds: ReadonlyMap<string, ResourceKind>;
  coreSchemas: ReadonlyMap<string, JsonSchema>;
  plugins: PluginSets;
  streamEnabled: boolean;
  reloadPlugins: () => Promise<void>;
}

/**
 * A reply, plus whether the generic resource handler produced it (APISIX adds X-API-VERSION
 * there only) and, for a 500, the unexpected error to log.
 */
export type Routed = Reply & { generic?: boolean; failure?: unknown; wait?: WaitOutcome };

const GENERIC_METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'PATCH']);

/**
 * The Admin API routes (APISIX `admin/init.lua`): a few exact paths, then the generic
 * `/apisix/admin/{resource}/...` handler. `segments` are those after `/apisix/admin`. What is
 * answered without the body is answered synchronously (or thrown).
 */
export function dispatch(deps: DispatchDeps, req: IncomingAdminRequest): Routed | Promise<Routed> {
  const { method, segments } = req;
  // Joined, so an encoded slash (`plugins%2Flist`) names the same path, as in APISIX.
  const path = segments.join('/');
  if (segments.length === 0 && method === 'HEAD') return { status: 200 };
  if (path === 'plugins/list' && method === 'GET') {
    deps.auth.check(method, req.query, req.headers);
    return listPlugins(deps.plugins, req.query);
  }
  if (path === 'plugins/reload' && method !== 'HEAD' && GENERIC_METHODS.has(method)) {
    deps.auth.check(method, req.query, req.headers);
    return reload(deps, method);
  }
  if (
    segments[0] === 'schema' &&
    segments[1] === 'validate' &&
    segments.length === 3 &&
    method === 'POST'
  ) {
    deps.auth.check(method, req.query, req.headers);
    const dir = segments[2] ?? '';
    return req.readBody().then((body) => validateAgainstSchema(deps.kinds.get(dir), dir, body));
  }
  if (!GENERIC_METHODS.has(method)) throw notFound('not found');
  deps.auth.check(method, req.query, req.headers);
  return generic(deps, req);
}

async function reload(deps: DispatchDeps, method: string): Promise<Reply> {
  if (method !== 'PUT') {
    throw new GatehouseError(
      'GH_ERR_ADMIN_METHOD',
      `please use PUT method to reload the plugins, ${method} method is not allowed.`,
    );
  }
  await deps.reloadPlugins();
  return { status: 200, body: 'done' };
}

/** APISIX `run()`: its pre-checks in order, then the resource handler. */
function generic(deps: DispatchDeps, req: IncomingAdminRequest): Promise<Routed> {
  const { method, segments, query, headers } = req;
  let [resource = '', ...rest] = segments;
  if (resource === 'schema' && rest[0] === 'plugins') [resource = '', ...rest] = rest;
  if (resource === 'stream_routes' && !deps.streamEnabled) {
    throw badRequest('stream mode is disabled, can not add stream routes');
  }
  const isReadOnly = resource === 'schema' || resource === 'plugins';
  const kind = deps.kinds.get(
    resource === 'consumers' && rest[1] === 'credentials' ? 'credentials' : resource,
  );
  if (!isReadOnly && kind === undefined) throw notFound(`Unsupported resource type: ${resource}`);
  if (isReadOnly && method !== 'GET') throw notFound('not found');
  return req.readBody().then((body) => {
    checkTtl(method, query.get('ttl'));
    const full: AdminRequest = { method, segments, query, headers, body };
    let answered: Promise<Reply> | Reply;
    try {
      answered = answer(deps, kind, resource, rest, full);
    } catch (err) {
      return genericFailure(err);
    }
    return answered instanceof Promise
      ? answered.then(genericReply, genericFailure)
      : genericReply(answered);
  });
}

/** The generic handler's replies carry X-API-VERSION (APISIX adds it there only). */
function genericReply(reply: Reply): Routed {
  return { status: reply.status, body: reply.body, revision: reply.revision, generic: true };
}

function genericFailure(err: unknown): Routed {
  const reply = failed(err);
  return { status: reply.status, body: reply.body, generic: true, failure: reply.failure };
}

/** etcd's largest lease TTL (`MaxLeaseTTL`); the embedded store keeps expiries in integer ms. */
const MAX_TTL_SECONDS = 9_000_000_000;
const WRITES_WITH_TTL = new Set(['PUT', 'POST', 'PATCH']);

/**
 * `?ttl=`: numeric for every method (APISIX's check), and for a write that takes a lease, a
 * lease a store can grant. Checked before any write, so a bad value costs no revision.
 */
function checkTtl(method: string, raw: string | null): void {
  if (raw === null) return;
  const ttl = luaNumber(raw);
  if (ttl === undefined) throw badRequest('invalid argument ttl: should be a number');
  if (WRITES_WITH_TTL.has(method) && (ttl <= 0 || ttl > MAX_TTL_SECONDS)) {
    throw badRequest(
      `invalid argument ttl: should be a number of seconds, above 0 and at most ${MAX_TTL_SECONDS}`,
    );
  }
}

function answer(
  deps: DispatchDeps,
  kind: ResourceKind | undefined,
  resource: string,
  rest: readonly string[],
  req: AdminRequest,
): Promise<Reply> | Reply {
  if (resource === 'schema') return getCoreSchema(deps.coreSchemas, rest[0]);
  if (resource === 'plugins') return getPlugin(deps.plugins, rest[0], req.query);
  if (kind === undefined) throw notFound(`Unsupported resource type: ${resource}`);
  return handleResource(deps.crud, kind, resolveTarget(req.segments), req);
}
