import { compileHashKey, type HashKeyFn } from '../balancer/hash-key.js';
import { createPicker } from '../balancer/priority.js';
import type { PickContext, Picker, UpstreamNode } from '../balancer/types.js';
import type { Logger } from '../core/logger.js';
import { defaultPort, normaliseNodes, type NodesConfig } from './nodes.js';
import { hasDomain, resolveNodes, type DnsCache, type ResolvedNode } from './resolve.js';
import type { UpstreamDispatcher } from './h1/types.js';
import { PoolSet } from './pools.js';
import { readSettings, type TimeoutMs, type UpstreamSettings } from './settings.js';

/** What the runtime is built from (structurally the snapshot's UpstreamSource). */
export type { PickContext, UpstreamNode };

export interface UpstreamConfigVersion {
  readonly key: string;
  readonly version: number;
  readonly conf: Readonly<Record<string, unknown>>;
}

export interface RuntimeDeps {
  readonly dns: DnsCache;
  readonly logger: Logger;
}

/**
 * One upstream version as the proxy uses it: nodes, picker, settings and connection pools, built
 * once off the hot path. Host names are resolved asynchronously and swapped in when ready (until
 * then the names go to the connection layer, which resolves them itself).
 *
 * @example
 *   const up = new RuntimeUpstream(source, { dns, logger });
 *   const node = up.pick(ctx); const pool = up.pool(node, undefined, up.settings.timeout.connect);
 */
export class RuntimeUpstream {
  readonly key: string;
  readonly version: number;
  readonly settings: UpstreamSettings;
  /** Tries after the first (spec §5.3: unset = number of nodes − 1). */
  readonly retries: number;
  /** Undefined unless the type is chash. */
  readonly hashKey: HashKeyFn | undefined;
  #nodes: readonly ResolvedNode[];
  #picker: Picker;
  /** `pass_host: node` Host values by node key; built on first use, dropped when nodes change. */
  #hostHeaders: Map<string, string> | undefined;
  /** Read per request: computed when the nodes change, not per read. */
  #empty: boolean;
  /** Created on first use: an upstream that is never requested (most inline upstreams of a
   * large route table) holds no pool object. */
  #pools: PoolSet | undefined;
  #closed = false;

  constructor(source: UpstreamConfigVersion, deps: RuntimeDeps) {
    this.key = source.key;
    this.version = source.version;
    const s = (this.settings = readSettings(source.conf));
    const nodes = normaliseNodes((source.conf.nodes ?? []) as NodesConfig, s.scheme);
    this.retries = s.retries ?? Math.max(0, nodes.length - 1);
    this.hashKey =
      s.type === 'chash' ? compileHashKey({ hash_on: s.hashOn, key: s.key }) : undefined;
    this.#nodes = nodes;
    this.#empty = !nodes.some((n) => n.weight > 0);
    this.#picker = createPicker(s.type, nodes);
    if (hasDomain(nodes)) this.#resolve(nodes, deps);
  }

  /**
   * A request's chash key: the configured `hash_on` value, else `clientAddr` (as APISIX falls
   * back to the client address); undefined unless the type is chash.
   */
  chashKey(vars: Parameters<HashKeyFn>[0], clientAddr: string): string | undefined {
    return this.hashKey === undefined ? undefined : (this.hashKey(vars) ?? clientAddr);
  }

  /** No usable node at all (empty list, or every weight 0): APISIX answers 503. */
  get empty(): boolean {
    return this.#empty;
  }

  get nodes(): readonly ResolvedNode[] {
    return this.#nodes;
  }

  /** Whether the picker learns from outcomes (least_conn, ewma): only then are tries timed. */
  get learns(): boolean {
    return this.#picker.done !== undefined;
  }

  pick(ctx: PickContext): UpstreamNode | undefined {
    return this.#picker.pick(ctx);
  }

  /** Reports how a try went (least_conn and ewma learn from it). */
  done(node: UpstreamNode, ms: number, failed: boolean): void {
    this.#picker.done?.(node, { ms, failed });
  }

  /** `pass_host: node`: the node's name (its domain if it had one) plus a non-default port. */
  nodeHost(node: UpstreamNode): string {
    return (this.#hostHeaders ??= this.#indexHosts()).get(node.key) ?? node.host;
  }

  pool(node: UpstreamNode, sni: string | undefined, connectMs: number): UpstreamDispatcher {
    let pools = this.#pools;
    if (pools === undefined) {
      const s = this.settings;
      pools = this.#pools = new PoolSet({
        scheme: s.scheme,
        connectMs: s.timeout.connect,
        readMs: s.timeout.read,
        keepalive: s.keepalive,
        tls: s.tls,
      });
      // A late request after close gets an unshared pool, as PoolSet does after its close.
      if (this.#closed) pools.close();
    }
    return pools.get(node, sni, connectMs);
  }

  /** The effective timeouts: the route's, else the upstream's. */
  timeouts(route: TimeoutMs | undefined): TimeoutMs {
    return route ?? this.settings.timeout;
  }

  close(): void {
    this.#closed = true;
    this.#pools?.close();
  }

  #indexHosts(): Map<string, string> {
    const std = defaultPort(this.settings.scheme);
    const hosts = new Map<string, string>();
    for (const n of this.#nodes) {
      const name = n.domain ?? (n.host.includes(':') ? `[${n.host}]` : n.host);
      hosts.set(n.key, n.port === std ? name : `${name}:${n.port}`);
    }
    return hosts;
  }

  #resolve(nodes: readonly UpstreamNode[], deps: RuntimeDeps): void {
    resolveNodes(nodes, deps.dns, (host, err) =>
      deps.logger.error({ upstream: this.key, host, err }, 'failed to resolve upstream node'),
    ).then(
      (resolved) => {
        if (this.#closed) return;
        this.#picker = createPicker(this.settings.type, resolved);
        this.#nodes = resolved;
        this.#empty = !resolved.some((n) => n.weight > 0);
        this.#hostHeaders = undefined;
      },
      (err: unknown) => deps.logger.error({ upstream: this.key, err }, 'node resolution failed'),
    );
  }
}

/** The factory the data plane state takes: one RuntimeUpstream per upstream version. */
export function runtimeUpstreamFactory(deps: RuntimeDeps) {
  return (source: UpstreamConfigVersion): RuntimeUpstream => new RuntimeUpstream(source, deps);
}
