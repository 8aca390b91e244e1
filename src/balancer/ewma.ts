import { performance } from 'node:perf_hooks';
import type { PickContext, Picker, TryOutcome, UpstreamNode } from './types.js';
import { usableNodes } from './usable.js';

export interface EwmaOptions {
  /** Milliseconds; injected by tests. Default `performance.now`. */
  readonly now?: () => number;
  /** Uniform in [0, 1); injected by tests. Default `Math.random`. */
  readonly random?: () => number;
  /**
   * Added to a failed try's time. A refused connection fails in microseconds; without a penalty
   * a dead node would look like the fastest one and attract every request.
   */
  readonly failurePenaltyMs?: number;
}

/** APISIX's DECAY_TIME (10 s), in milliseconds. */
export const EWMA_DECAY_MS = 10_000;
const DEFAULT_FAILURE_PENALTY_MS = 1_000;

/**
 * Power of two choices by exponentially weighted moving average latency (apisix/balancer/ewma.lua):
 * take two distinct random untried nodes and use the one with the lower decayed latency. A
 * node's average decays towards 0 while it is not used, so a node that was slow once is tried
 * again later; a node never measured scores 0 and is explored first. Weights are ignored, except
 * that weight 0 is never picked.
 *
 * @example const p = createEwma(nodes); const n = p.pick({})!; p.done?.(n, { ms: 12, failed: false });
 */
export function createEwma(nodes: readonly UpstreamNode[], opts: EwmaOptions = {}): Picker {
  return new Ewma(usableNodes(nodes), opts);
}

class Ewma implements Picker {
  readonly #nodes: UpstreamNode[];
  readonly #index = new Map<string, number>();
  readonly #average: Float64Array;
  readonly #touched: Float64Array;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #penalty: number;

  constructor(nodes: UpstreamNode[], opts: EwmaOptions) {
    this.#nodes = nodes;
    nodes.forEach((n, i) => this.#index.set(n.key, i));
    this.#average = new Float64Array(nodes.length);
    // -Infinity = never measured: the first sample then replaces the average outright.
    this.#touched = new Float64Array(nodes.length).fill(-Infinity);
    this.#now = opts.now ?? (() => performance.now());
    this.#random = opts.random ?? Math.random;
    this.#penalty = opts.failurePenaltyMs ?? DEFAULT_FAILURE_PENALTY_MS;
  }

  pick(ctx: PickContext): UpstreamNode | undefined {
    const tried = ctx.tried;
    if (tried === undefined || tried.size === 0) return this.#choose(this.#nodes.length, undefined);
    const untried: number[] = [];
    for (let i = 0; i < this.#nodes.length; i++) {
      if (!tried.has(this.#nodes[i]!.key)) untried.push(i);
    }
    return this.#choose(untried.length, untried);
  }

  done(node: UpstreamNode, outcome: TryOutcome): void {
    const i = this.#index.get(node.key);
    if (i === undefined) return;
    const now = this.#now();
    const sample = outcome.failed ? outcome.ms + this.#penalty : outcome.ms;
    const keep = this.#keep(i, now);
    this.#average[i] = this.#average[i]! * keep + sample * (1 - keep);
    this.#touched[i] = now;
  }

  /** Picks among `count` candidates: node indices `among[k]`, or 0..count-1 when absent. */
  #choose(count: number, among: number[] | undefined): UpstreamNode | undefined {
    if (count === 0) return undefined;
    if (count === 1) return this.#nodes[among === undefined ? 0 : among[0]!];
    const first = Math.floor(this.#random() * count);
    let second = Math.floor(this.#random() * (count - 1));
    if (second >= first) second++;
    const a = among === undefined ? first : among[first]!;
    const b = among === undefined ? second : among[second]!;
    const now = this.#now();
    return this.#nodes[this.#score(a, now) > this.#score(b, now) ? b : a];
  }

  /** The share of the old average that survives since the node was last measured. */
  #keep(i: number, now: number): number {
    return Math.exp(-Math.max(now - this.#touched[i]!, 0) / EWMA_DECAY_MS);
  }

  #score(i: number, now: number): number {
    return this.#average[i]! * this.#keep(i, now);
  }
}
