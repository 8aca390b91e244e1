import type { KeyValue, WatchEvent } from '../core/kv.js';
import type { Logger } from '../core/logger.js';
import { EMPTY_CHAIN, type PluginChain } from '../plugin/chain.js';
import type { ChainBuilder } from '../plugin/chain-builder.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { Consumer } from '../plugin/types.js';
import { withSchemaDefaults } from '../core/schema.js';
import { RESOURCE_KINDS } from '../resources/catalog.js';
import { createRouter } from '../router/create-router.js';
import type { MatchRequest, Router, RouterKind } from '../router/types.js';
import { composeRoute, type ComposeLookups } from './compose.js';
import { ConsumerIndex } from './consumer-index.js';
import { placeOf } from './keys.js';
import { loadItem, WITH_PLUGINS } from './load.js';
import { MultiIndex } from './multi-index.js';
import { isEnabled, matchSpecOf, sameRouting } from './route-spec.js';
import type {
  RouteParams,
  Closeable,
  ConfigSink,
  ItemObserver,
  LoadedItem,
  LoadProblem,
  MatchedRoute,
  ResolvedRoute,
  UpstreamFactory,
} from './types.js';
import { UpstreamSlots } from './upstream-slots.js';

export interface DataPlaneOptions<U extends Closeable> {
  /** `deployment.etcd.prefix`, e.g. `/apisix`. */
  prefix: string;
  routerKind: RouterKind;
  /** The enabled plugins (read at load time: a plugin reload changes them). */
  plugins: () => PluginRegistry;
  logger: Logger;
  /** Builds one upstream's runtime (src/upstream `createRuntimeUpstream`). */
  upstreams: UpstreamFactory<U>;
  /** Builds plugin chains for the current plugin set; without it no plugin runs. */
  chains?: () => ChainBuilder;
  /**
   * Decrypts what is encrypted at rest in a loaded value (plugin `encrypt_fields`), returning a
   * new value. It gets the whole value of a plugin_metadata item, and `{ plugins }` of an item
   * of the other plugin-carrying directories, only when it has plugins: nothing else of theirs is
   * encrypted, and a copy of the rest would be held for nothing (a route's strings, twice).
   */
  decrypt?: (dir: string, value: Record<string, unknown>) => Record<string, unknown>;
  /** Told of every `ssls` change once applied (the worker's certificates by SNI, src/tls). */
  ssls?: ItemObserver;
}

/** Directories whose values carry plugin confs (or are one: plugin_metadata). */
const PLUGIN_DIRS: ReadonlySet<string> = new Set([...WITH_PLUGINS, 'plugin_metadata']);

/**
 * A worker's configuration: the items of every resource kind, the router and the composed
 * routes, kept up to date incrementally (STYLE.md habit 4). A route event costs that route; a
 * service, upstream or plugin_config event costs the routes that use it (reverse indexes). A
 * value that fails to load is skipped, reported by `problems()`, and the previous good version
 * of the key keeps serving.
 *
 * @example
 *   const state = new DataPlaneState({ prefix: '/apisix', routerKind: 'radixtree_host_uri',
 *     plugins: () => registry, logger, upstreams: createRuntimeUpstream });
 *   state.reset(items, revision);
 *   state.match(req)?.route.upstream;
 */
export class DataPlaneState<U extends Closeable> implements ConfigSink {
  readonly #opts: DataPlaneOptions<U>;
  readonly #tables = new Map<string, Map<string, LoadedItem>>();
  readonly #problems = new Map<string, LoadProblem>();
  /** The composed routes; also what each depends on, for the reverse indexes. */
  readonly #resolved = new Map<string, ResolvedRoute<U>>();
  readonly #byService = new MultiIndex();
  readonly #byPluginConfig = new MultiIndex();
  readonly #byUpstream = new MultiIndex();
  readonly #slots: UpstreamSlots<U>;
  readonly #lookups: ComposeLookups<U>;
  readonly #consumers: ConsumerIndex;
  readonly #metadata = new Map<string, { rev: number; value: Record<string, unknown> }>();
  #global: PluginChain = EMPTY_CHAIN;
  #router: Router;
  #revision = 0;

  constructor(opts: DataPlaneOptions<U>) {
    this.#opts = opts;
    this.#router = this.#newRouter();
    this.#slots = new UpstreamSlots(opts.upstreams, opts.logger);
    this.#lookups = {
      service: (id) => this.item('services', id),
      pluginConfig: (id) => this.item('plugin_configs', id),
      upstream: (id) => this.#slots.get(this.#upstreamKey(id)),
      inline: (owner, conf) => this.#slots.ensureInline(owner.key, owner.modRevision, conf),
      chain: (sources) => this.#opts.chains?.().build(sources) ?? EMPTY_CHAIN,
    };
    this.#consumers = new ConsumerIndex({
      items: (dir) => this.items(dir),
      item: (dir, id) => this.item(dir, id),
      get plugins() {
        return opts.plugins();
      },
      logger: opts.logger,
    });
  }

  get revision(): number {
    return this.#revision;
  }

  reset(items: readonly KeyValue[], revision: number): void {
    this.#tables.clear();
    this.#problems.clear();
    this.#resolved.clear();
    this.#byService.clear();
    this.#byPluginConfig.clear();
    this.#byUpstream.clear();
    this.#router = this.#newRouter();
    for (const kv of items) this.#put(kv);
    const live = new Set<string>();
    for (const up of this.items('upstreams')) {
      this.#slots.ensure({ key: up.key, version: up.modRevision, id: up.id, conf: up.value });
      live.add(up.key);
    }
    for (const route of this.items('routes')) {
      const inlineOwner = this.#indexRoute(route.id, true);
      if (inlineOwner !== undefined) live.add(inlineOwner);
    }
    this.#slots.retainOnly(live);
    this.#pluginsChanged();
    this.#opts.ssls?.reset(this.items('ssls'));
    this.#revision = revision;
  }

  /**
   * The plugin set changed (plugins reload): every chain is rebuilt with the new definitions.
   * Requests in flight keep the chains they started with.
   */
  rebuildChains(): void {
    for (const route of this.items('routes')) this.#indexRoute(route.id, false);
    this.#pluginsChanged();
  }

  /** All global rules merged into one chain (spec §1.5). */
  globalChain(): PluginChain {
    return this.#global;
  }

  /** Consumers for the auth plugins. */
  get consumers(): ConsumerIndex {
    return this.#consumers;
  }

  /** The route's chain merged with an identified consumer and its group (cached). */
  mergeConsumer(route: PluginChain, consumer: Consumer): PluginChain {
    const builder = this.#opts.chains?.();
    if (builder === undefined) return route;
    return builder.withConsumer(route, consumer, this.#consumers.group(consumer));
  }

  /** A plugin's plugin_metadata with its metadata schema's defaults, or undefined. */
  metadata(plugin: string): Readonly<Record<string, unknown>> | undefined {
    const item = this.item('plugin_metadata', plugin);
    if (item === undefined) return undefined;
    const cached = this.#metadata.get(plugin);
    if (cached?.rev === item.modRevision) return cached.value;
    const schema = this.#opts.plugins().get(plugin)?.metadataSchema;
    const value = schema === undefined ? item.value : withSchemaDefaults(schema, item.value);
    this.#metadata.set(plugin, { rev: item.modRevision, value });
    return value;
  }

  #pluginsChanged(): void {
    this.#global = this.#globalChain();
    this.#consumers.invalidate();
    this.#metadata.clear();
  }

  #globalChain(): PluginChain {
    const builder = this.#opts.chains?.();
    if (builder === undefined) return EMPTY_CHAIN;
    const rules = this.items('global_rules').map((r) => ({
      key: r.key,
      modRevision: r.modRevision,
      plugins: r.value.plugins,
    }));
    return rules.length === 0 ? EMPTY_CHAIN : builder.global(rules);
  }

  apply(revision: number, events: readonly WatchEvent[]): void {
    if (revision <= this.#revision) return;
    for (const ev of events) {
      const changed = ev.type === 'put' ? this.#put(ev.kv) : this.#delete(ev.key);
      if (changed !== undefined) this.#changed(changed.dir, changed.id, changed.routing);
    }
    this.#revision = revision;
  }

  /** The route for a request, composed, or undefined (→ 404). */
  match(req: MatchRequest): MatchedRoute<U> | undefined {
    const m = this.#router.match(req);
    if (m === undefined) return undefined;
    const route = this.#resolved.get(m.id);
    return route === undefined ? undefined : { route, params: m.params };
  }

  /**
   * `match` without the result object, for the proxy's hot path: the composed route, with the
   * parameter captures of a parameter route written to `req.params`.
   */
  matchRoute(req: MatchRequest & { params?: RouteParams }): ResolvedRoute<U> | undefined {
    const m = this.#router.match(req);
    if (m === undefined) return undefined;
    if (m.params !== undefined) req.params = m.params;
    return this.#resolved.get(m.id);
  }

  /** One loaded item (Control API: `/v1/route/{id}` reads `item('routes', id)`). */
  item(dir: string, id: string): LoadedItem | undefined {
    return this.#tables.get(dir)?.get(id);
  }

  /** Every loaded item of a directory, in load order. */
  items(dir: string): LoadedItem[] {
    const table = this.#tables.get(dir);
    return table === undefined ? [] : [...table.values()];
  }

  /** The composed route (Control API, "explain this request"). */
  resolved(routeId: string): ResolvedRoute<U> | undefined {
    return this.#resolved.get(routeId);
  }

  /** Values that failed to load and are not served (the previous good version is, if any). */
  problems(): LoadProblem[] {
    return [...this.#problems.values()];
  }

  /** Closes every upstream runtime (worker shutdown). */
  close(): void {
    this.#slots.retainOnly(new Set());
  }

  /**
   * Loads one value into its table. `routing` is false when the value is a new version of a
   * route that is routed as the one it replaces (sameRouting): the router keeps what it has.
   */
  #put(kv: KeyValue): { dir: string; id: string; routing: boolean } | undefined {
    const place = placeOf(this.#opts.prefix, kv.key);
    const kind = place === undefined ? undefined : RESOURCE_KINDS.get(place.dir);
    if (place === undefined || kind === undefined) return undefined;
    const result = loadItem(kind, place.id, kv, this.#opts.plugins());
    if ('error' in result) {
      this.#problems.set(kv.key, {
        key: kv.key,
        message: result.error,
        modRevision: kv.modRevision,
      });
      this.#opts.logger.error(
        { key: kv.key, err: result.error },
        'skipped a value that failed to load',
      );
      return undefined;
    }
    const hadProblem = this.#problems.delete(kv.key);
    let table = this.#tables.get(place.dir);
    if (table === undefined) this.#tables.set(place.dir, (table = new Map<string, LoadedItem>()));
    const item = this.#decrypted(place.dir, result.ok);
    const previous = table.get(place.id);
    table.set(place.id, item);
    const routing =
      place.dir !== 'routes' ||
      previous === undefined ||
      hadProblem ||
      !sameRouting(previous, item);
    return { dir: place.dir, id: place.id, routing };
  }

  #decrypted(dir: string, item: LoadedItem): LoadedItem {
    const decrypt = this.#opts.decrypt;
    if (decrypt === undefined || !PLUGIN_DIRS.has(dir)) return item;
    const value = item.value;
    if (dir === 'plugin_metadata') return { ...item, value: decrypt(dir, value) };
    if (value.plugins === null || typeof value.plugins !== 'object') return item;
    const plugins = decrypt(dir, { plugins: value.plugins }).plugins;
    return { ...item, value: { ...value, plugins } };
  }

  #delete(key: string): { dir: string; id: string; routing: boolean } | undefined {
    this.#problems.delete(key);
    const place = placeOf(this.#opts.prefix, key);
    if (place === undefined || this.#tables.get(place.dir)?.delete(place.id) !== true)
      return undefined;
    return { dir: place.dir, id: place.id, routing: true };
  }

  /** `routing`: a route's predicates may have changed (see #put). */
  #changed(dir: string, id: string, routing: boolean): void {
    switch (dir) {
      case 'routes':
        this.#indexRoute(id, routing);
        return;
      case 'services':
        for (const routeId of this.#byService.get(id)) this.#indexRoute(routeId, true);
        // A service that lost its inline upstream (deleted, or now an upstream_id) frees it.
        if (typeof this.item('services', id)?.value.upstream !== 'object') {
          this.#slots.release(`${this.#opts.prefix}/services/${id}`);
        }
        return;
      case 'plugin_configs':
        for (const routeId of this.#byPluginConfig.get(id)) this.#indexRoute(routeId, false);
        return;
      case 'global_rules':
        this.#global = this.#globalChain();
        return;
      case 'consumers':
      case 'credentials':
        this.#consumers.invalidate();
        return;
      case 'ssls':
        this.#opts.ssls?.changed(id, this.item('ssls', id));
        return;
      case 'upstreams': {
        const up = this.item('upstreams', id);
        if (up !== undefined) {
          this.#slots.ensure({ key: up.key, version: up.modRevision, id, conf: up.value });
        } else this.#slots.release(this.#upstreamKey(id));
        for (const routeId of this.#byUpstream.get(id)) this.#indexRoute(routeId, false);
        return;
      }
    }
  }

  /**
   * Re-composes one route; `routing` also re-inserts it into the router (predicates changed).
   * Returns the key of the route or service whose inline upstream the route uses. A route's own
   * inline upstream goes with it; a service's stays while the service has it.
   */
  #indexRoute(id: string, routing: boolean): string | undefined {
    const old = this.#resolved.get(id);
    if (old !== undefined) {
      this.#byService.delete(old.serviceId, id);
      this.#byPluginConfig.delete(old.pluginConfigId, id);
      this.#byUpstream.delete(old.upstreamId, id);
    }
    const route = this.item('routes', id);
    if (route === undefined) {
      this.#resolved.delete(id);
      this.#router.remove(id);
      if (old !== undefined) this.#slots.release(old.key);
      return undefined;
    }
    const { route: resolved, inlineOwner } = composeRoute(route, this.#lookups);
    this.#byService.add(resolved.serviceId, id);
    this.#byPluginConfig.add(resolved.pluginConfigId, id);
    this.#byUpstream.add(resolved.upstreamId, id);
    this.#resolved.set(id, resolved);
    if (inlineOwner !== route.key) this.#slots.release(route.key);
    if (routing) this.#route(route);
    return inlineOwner;
  }

  #route(route: LoadedItem): void {
    if (!isEnabled(route)) {
      this.#router.remove(route.id);
      return;
    }
    const serviceId = this.#resolved.get(route.id)?.serviceId;
    const service = serviceId === undefined ? undefined : this.item('services', serviceId);
    const spec = matchSpecOf(route, service);
    if (typeof spec === 'string') {
      this.#problems.set(route.key, {
        key: route.key,
        message: spec,
        modRevision: route.modRevision,
      });
      this.#router.remove(route.id);
      return;
    }
    this.#router.upsert(spec);
  }

  #newRouter(): Router {
    const logger = this.#opts.logger;
    return createRouter(this.#opts.routerKind, {
      onError: (route, err) => logger.error({ route, err }, 'route predicate failed; no match'),
    });
  }

  #upstreamKey(id: string): string {
    return `${this.#opts.prefix}/upstreams/${id}`;
  }
}
