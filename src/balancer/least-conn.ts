import { IndexHeap } from './index-heap.js';
import type { PickContext, Picker, TryOutcome, UpstreamNode } from './types.js';
import { usableNodes } from './usable.js';

/**
 * Least connections: the node with the lowest (active + 1) / weight, from a min-heap, as
 * apisix/balancer/least_conn.lua. `pick` counts a connection on the node and `done` releases it,
 * so every pick must be followed by exactly one `done`.
 *
 * @example const node = picker.pick({}); ...; picker.done?.(node, { ms, failed: false });
 */
export function createLeastConn(nodes: readonly UpstreamNode[]): Picker {
  return new LeastConn(usableNodes(nodes));
}

class LeastConn implements Picker {
  readonly #nodes: UpstreamNode[];
  readonly #index = new Map<string, number>();
  readonly #active: Uint32Array;
  readonly #inverseWeight: Float64Array;
  readonly #scores: Float64Array;
  readonly #heap: IndexHeap;

  constructor(nodes: UpstreamNode[]) {
    this.#nodes = nodes;
    nodes.forEach((n, i) => this.#index.set(n.key, i));
    this.#active = new Uint32Array(nodes.length);
    this.#inverseWeight = Float64Array.from(nodes, (n) => 1 / n.weight);
    this.#scores = Float64Array.from(this.#inverseWeight);
    this.#heap = new IndexHeap(this.#scores);
  }

  pick(ctx: PickContext): UpstreamNode | undefined {
    if (this.#heap.size === 0) return undefined;
    const tried = ctx.tried;
    const best =
      tried === undefined || tried.size === 0 ? this.#heap.peek() : this.#bestUntried(tried);
    if (best < 0) return undefined;
    this.#setActive(best, this.#active[best]! + 1);
    return this.#nodes[best];
  }

  done(node: UpstreamNode, _outcome: TryOutcome): void {
    const i = this.#index.get(node.key);
    // A node from another picker generation, or a done without a pick: nothing to release.
    if (i === undefined || this.#active[i] === 0) return;
    this.#setActive(i, this.#active[i]! - 1);
  }

  /** Retries are rare, so a linear scan beats keeping a second structure in step. */
  #bestUntried(tried: ReadonlySet<string>): number {
    let best = -1;
    for (let i = 0; i < this.#nodes.length; i++) {
      if (tried.has(this.#nodes[i]!.key)) continue;
      if (best < 0 || this.#scores[i]! < this.#scores[best]!) best = i;
    }
    return best;
  }

  #setActive(i: number, active: number): void {
    this.#active[i] = active;
    this.#scores[i] = (active + 1) * this.#inverseWeight[i]!;
    this.#heap.update(i);
  }
}
