import type { KeyValue } from '../core/kv.js';

export interface ListenAddressLike {
  ip: string;
  port: number;
}

/** One worker as `/v1/gatehouse/workers` lists it (the cluster's WorkerInfo, structurally). */
export interface WorkerRow {
  id: number;
  pid: number;
  applied_revision: number;
  ready: boolean;
}

/** The primary's view of its store, as the store feed reports it (FeedStatus, structurally). */
export interface ConfigState {
  synced: boolean;
  revision: number;
  /** ms since the epoch. */
  staleSince?: number;
  lastError?: string;
  resyncs: number;
  events: number;
}

/**
 * How `/status/ready` and `/v1/gatehouse/revision` show a stale config: `"config": "stale"`,
 * `"stale_since"` (ISO 8601) and `"stale_reason"`; nothing when it is in sync.
 */
export function staleFields(state: ConfigState | undefined): Record<string, string> {
  if (state === undefined || state.synced) return {};
  return {
    config: 'stale',
    stale_since: new Date(state.staleSince ?? Date.now()).toISOString(),
    ...(state.lastError === undefined ? {} : { stale_reason: state.lastError }),
  };
}

/** What the Control API reads; the composition root provides it from the primary's parts. */
export interface ControlSources {
  /** `deployment.etcd.prefix`. */
  prefix: string;
  /** The primary's current state (the store feed's items). */
  items(): ReadonlyMap<string, KeyValue>;
  /** The store revision the primary has seen. */
  revision(): number;
  /** In sync with the store or stale, events handed on, re-reads. */
  feedStatus?(): ConfigState;
  /** The enabled HTTP plugin names (config.yaml's `plugins`), for plugin metadata. */
  enabledPlugins(): readonly string[];
  /** The `/v1/schema` document. */
  schema(): unknown;
  /** Workers of this node (empty on a control_plane node). */
  workers(): WorkerRow[];
  /**
   * Resolves once the workers' applied revisions are current (each acknowledged what it was
   * sent, or a bounded wait ran out): `workers()` read after it is not behind a lazy ack.
   */
  settle?(): Promise<unknown>;
  /** `PUT /v1/plugins/reload`. */
  reloadPlugins(): Promise<void>;
}
