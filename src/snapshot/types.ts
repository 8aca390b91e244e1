import type { KeyValue, WatchEvent } from '../core/kv.js';
import type { PluginChain } from '../plugin/chain.js';

/** The router's request view, re-exported for the proxy (which may not import src/router). */
export type { MatchRequest, RequestVars } from '../router/types.js';

/**
 * What a worker's in-memory configuration accepts from the primary: one full state, then ordered
 * deltas. Implemented by the data plane's state (src/snapshot/) and driven by the worker runtime
 * (src/cluster/worker.ts), which knows nothing else about it.
 */
export interface ConfigSink {
  /** Replaces everything with `items` (every key under the prefix) at `revision`. */
  reset(items: readonly KeyValue[], revision: number): void;
  /**
   * Applies one batch of changes, incrementally: a route change costs O(that route). Batches
   * arrive in revision order; a batch at or below the applied revision is ignored.
   */
  apply(revision: number, events: readonly WatchEvent[]): void;
  /** The revision of the last reset/apply. */
  readonly revision: number;
}

/** A resource that could not be loaded: skipped, logged, and reported by the Control API. */
export interface LoadProblem {
  key: string;
  message: string;
  /** The revision of the value that failed. */
  modRevision: number;
}

/** A resource as the data plane holds it: validated, schema defaults applied, `id` = key suffix. */
export interface LoadedItem {
  /** The full store key: `/apisix/routes/1`. */
  readonly key: string;
  /** The key suffix after `<prefix>/<dir>/`. */
  readonly id: string;
  readonly value: Readonly<Record<string, unknown>>;
  /** etcd create_revision (APISIX `createdIndex`). */
  readonly createRevision: number;
  /** etcd mod_revision (APISIX `modifiedIndex`). */
  readonly modRevision: number;
}

/** Told of each change of one directory's items, after the state has applied it. */
export interface ItemObserver {
  /** Every item of the directory, after a full reset. */
  reset(items: readonly LoadedItem[]): void;
  /** One item was put (`item`) or deleted (undefined). */
  changed(id: string, item: LoadedItem | undefined): void;
}

/** Something that holds sockets or timers and must be released when its config goes away. */
export interface Closeable {
  close(): void;
}

/**
 * One upstream configuration version, handed to the layer that owns sockets (src/upstream) to
 * build its runtime once. An upstream item is identified by its key and modRevision; an inline
 * upstream by its owner's key plus `#upstream`.
 */
export interface UpstreamSource {
  readonly key: string;
  readonly version: number;
  /** The upstream's id for `upstream_id` references; undefined for inline upstreams. */
  readonly id: string | undefined;
  /** The upstream object with schema defaults applied. */
  readonly conf: Readonly<Record<string, unknown>>;
}

/** Builds the runtime of one upstream version (src/upstream `createRuntimeUpstream`). */
export type UpstreamFactory<U extends Closeable> = (source: UpstreamSource) => U;

/** `timeout` of a route or upstream, in seconds (spec §3 `timeout_def`). */
export interface TimeoutConf {
  readonly connect: number;
  readonly send: number;
  readonly read: number;
}

/**
 * Why a matched route cannot be proxied (spec §4.5): a missing service (404), a missing
 * plugin_config (503), a missing referenced upstream (502), or no upstream at all (503).
 */
export interface RouteFailure {
  readonly status: 404 | 502 | 503;
  /** Logged, never sent: APISIX answers these with nginx's bare error page. */
  readonly reason: string;
}

/**
 * A route after composition (spec §4.5), computed off the hot path once per version of the
 * route and everything it references, so a request only reads it.
 */
export interface ResolvedRoute<U> {
  readonly id: string;
  readonly key: string;
  readonly modRevision: number;
  readonly name: string | undefined;
  readonly serviceId: string | undefined;
  /** The service's `name` (APISIX `service_name`). */
  readonly serviceName: string | undefined;
  /** The route's `uri` (or first of `uris`): APISIX `matched_uri` as Prometheus labels it. */
  readonly matchedUri: string | undefined;
  /** The route's `host` (or first of `hosts`): APISIX `matched_host`. */
  readonly matchedHost: string | undefined;
  readonly pluginConfigId: string | undefined;
  /** The upstream_id that was used, if the upstream came from a reference. */
  readonly upstreamId: string | undefined;
  /** Route > plugin_config > service, per plugin name (consumer merging happens per request). */
  readonly plugins: Readonly<Record<string, unknown>>;
  /** Those plugins as a sorted, prepared chain (built once per version of the route). */
  readonly chain: PluginChain;
  /** The route's `timeout`, which overrides the upstream's. */
  readonly timeout: TimeoutConf | undefined;
  readonly enableWebsocket: boolean;
  readonly upstream: U | undefined;
  /** Set when the request must end with an error instead of being proxied. */
  readonly failure: RouteFailure | undefined;
}

/** A router match with the resolved route. */
/** `uri_param_<name>` captures of a parameter route. */
export type RouteParams = Readonly<Record<string, string>>;

export interface MatchedRoute<U> {
  readonly route: ResolvedRoute<U>;
  /** `uri_param_<name>` captures of parameter routes. */
  readonly params: Readonly<Record<string, string>> | undefined;
}
