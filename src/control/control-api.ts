import type { Logger } from '../core/logger.js';
import { createJsonServer, type JsonReply, type JsonServer } from './json-server.js';
import { dumpDir, dumpOne } from './resource-dump.js';
import { staleFields, type ControlSources, type ListenAddressLike } from './types.js';

export interface ControlApiOptions {
  /** `apisix.control` (APISIX default 127.0.0.1:9090). */
  listen: ListenAddressLike;
  sources: ControlSources;
  logger: Logger;
}

/** `/v1/routes` lists the `routes` directory, `/v1/route/{id}` shows one (spec §9.1). */
const DUMPS: Readonly<Record<string, { dir: string; one: string }>> = {
  routes: { dir: 'routes', one: 'route' },
  services: { dir: 'services', one: 'service' },
  upstreams: { dir: 'upstreams', one: 'upstream' },
};
const ONE_TO_DIR = new Map(Object.values(DUMPS).map((d) => [d.one, d]));

/**
 * The Control API (spec §9.1), read-only, in the primary: resource dumps from the primary's
 * state, the schema, plugin metadata, plugin reload, and Gatehouse's own per-worker applied
 * revisions (`/v1/gatehouse/workers`, `/v1/gatehouse/revision`).
 *
 * @example
 *   const control = createControlApi({ listen: config.apisix.control, sources, logger });
 *   await control.listen();
 */
export function createControlApi(opts: ControlApiOptions): JsonServer {
  return createJsonServer(
    opts.listen,
    (req, path) => route(opts.sources, req.method ?? 'GET', path),
    opts.logger,
  );
}

async function route(src: ControlSources, method: string, path: string): Promise<JsonReply> {
  const segments = path.split('/').filter((s) => s !== '');
  if (segments[0] !== 'v1') return notFound();
  const [, first = '', second, ...rest] = segments;
  if (rest.length > 0) return notFound();
  if (method === 'PUT' && first === 'plugins' && second === 'reload') {
    await src.reloadPlugins();
    return { status: 200, body: 'done' };
  }
  if (method !== 'GET') return notFound();
  if (second === undefined) return list(src, first);
  if (first === 'gatehouse') await src.settle?.();
  return one(src, first, decode(second));
}

function list(src: ControlSources, name: string): JsonReply {
  if (name === 'schema') return { status: 200, body: src.schema() };
  const dump = DUMPS[name];
  if (dump) return { status: 200, body: dumpDir(src.items(), src.prefix, dump.dir) };
  if (name === 'plugin_metadatas') {
    const values = src
      .enabledPlugins()
      .map((plugin) => dumpOne(src.items(), src.prefix, 'plugin_metadata', plugin)?.value)
      .filter((value) => value !== undefined);
    return { status: 200, body: values };
  }
  return notFound();
}

function one(src: ControlSources, name: string, id: string): JsonReply {
  if (name === 'gatehouse') return gatehouse(src, id);
  const dump = ONE_TO_DIR.get(name);
  if (dump) {
    const item = dumpOne(src.items(), src.prefix, dump.dir, id);
    if (item === undefined) return { status: 404, body: { error_msg: `${name}[${id}] not found` } };
    return { status: 200, body: item };
  }
  if (name === 'plugin_metadata') {
    const item = src.enabledPlugins().includes(id)
      ? dumpOne(src.items(), src.prefix, 'plugin_metadata', id)
      : undefined;
    if (item === undefined) {
      return { status: 404, body: { error_msg: `plugin metadata[${id}] not found` } };
    }
    return { status: 200, body: item.value };
  }
  return notFound();
}

/** Gatehouse's own endpoints: what each worker has applied. */
function gatehouse(src: ControlSources, what: string): JsonReply {
  if (what === 'workers') return { status: 200, body: src.workers() };
  if (what === 'revision') {
    const workers = src
      .workers()
      .map((w) => ({ id: w.id, pid: w.pid, applied_revision: w.applied_revision }));
    const state = src.feedStatus?.();
    const feed = state
      ? {
          config: state.synced ? 'synced' : 'stale',
          ...staleFields(state),
          events: state.events,
          resyncs: state.resyncs,
        }
      : {};
    return { status: 200, body: { revision: src.revision(), ...feed, workers } };
  }
  return notFound();
}

function notFound(): JsonReply {
  return { status: 404, body: { error_msg: 'not found' } };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
