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

/** What the Control API reads; the composition root provides it from the primary's parts. */
export interface ControlSources {
  /** `deployment.etcd.prefix`. */
  prefix: string;
  /** The primary's current state (the store feed's items). */
  items(): ReadonlyMap<string, KeyValue>;
  /** The store revision the primary has seen. */
  revision(): number;
  /** The enabled HTTP plugin names (config.yaml's `plugins`), for plugin metadata. */
  enabledPlugins(): readonly string[];
  /** The `/v1/schema` document. */
  schema(): unknown;
  /** Workers of this node (empty on a control_plane node). */
  workers(): WorkerRow[];
  /** `PUT /v1/plugins/reload`. */
  reloadPlugins(): Promise<void>;
}
