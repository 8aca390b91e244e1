/**
 * Upstream server pickers behind one interface; every algorithm (roundrobin, chash, least_conn,
 * ewma, and the priority-group wrapper) passes test/contract/picker.contract.ts. Pickers are pure:
 * no sockets, no timers; built once per upstream version off the hot path.
 */

export interface UpstreamNode {
  /** IP or host name as configured (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** Integer >= 0; weight 0 is never picked. */
  readonly weight: number;
  /** Higher priority groups are tried first (spec §5.2). */
  readonly priority: number;
  /** `host:port` (IPv6 as `[::1]:80`): the identity used for `tried` sets and stats. */
  readonly key: string;
}

export interface PickContext {
  /** Keys of nodes already tried by this request (retries exclude them). */
  readonly tried?: ReadonlySet<string>;
  /** The chash key for this request (already computed from hash_on/key; see hash-key.ts). */
  readonly hashKey?: string;
}

/** How one try ended, reported back so least_conn and ewma can learn. */
export interface TryOutcome {
  /** Connect + response time of the try, milliseconds. */
  readonly ms: number;
  readonly failed: boolean;
}

export interface Picker {
  /** The next node to try, or undefined when every usable node was tried. */
  pick(ctx: PickContext): UpstreamNode | undefined;
  /** Called once per pick when the try ends (least_conn: active count; ewma: latency). */
  done?(node: UpstreamNode, outcome: TryOutcome): void;
}
