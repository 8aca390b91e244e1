import type { PickContext, Picker, UpstreamNode } from './types.js';
import { usableNodes } from './usable.js';

/**
 * Smooth weighted round robin, as nginx's upstream module does it: each pick adds every
 * candidate's weight to its running score, takes the highest score (first one on a tie) and
 * subtracts the candidates' total from it. The sequence interleaves heavy and light nodes
 * (weights 5,1,1 → a a b a c a a) instead of sending bursts to the heavy one. Tried nodes sit
 * out of the round, as nginx skips peers already tried by the request.
 *
 * @example createRoundRobin(nodes).pick({}) // the next node of the smooth sequence
 */
export function createRoundRobin(nodes: readonly UpstreamNode[]): Picker {
  return new RoundRobin(usableNodes(nodes));
}

class RoundRobin implements Picker {
  readonly #nodes: UpstreamNode[];
  readonly #weights: Float64Array;
  readonly #current: Float64Array;
  readonly #total: number;

  constructor(nodes: UpstreamNode[]) {
    this.#nodes = nodes;
    this.#weights = Float64Array.from(nodes, (n) => n.weight);
    this.#current = new Float64Array(nodes.length);
    this.#total = this.#weights.reduce((sum, w) => sum + w, 0);
  }

  pick(ctx: PickContext): UpstreamNode | undefined {
    const tried = ctx.tried;
    return tried === undefined || tried.size === 0 ? this.#pickAll() : this.#pickUntried(tried);
  }

  /** The common case, kept free of set look-ups. */
  #pickAll(): UpstreamNode | undefined {
    const weights = this.#weights;
    const current = this.#current;
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < current.length; i++) {
      const score = (current[i] = current[i]! + weights[i]!);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (best < 0) return undefined;
    current[best] = bestScore - this.#total;
    return this.#nodes[best];
  }

  #pickUntried(tried: ReadonlySet<string>): UpstreamNode | undefined {
    const weights = this.#weights;
    const current = this.#current;
    let best = -1;
    let bestScore = -Infinity;
    let total = 0;
    for (let i = 0; i < current.length; i++) {
      if (tried.has(this.#nodes[i]!.key)) continue;
      const score = (current[i] = current[i]! + weights[i]!);
      total += weights[i]!;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (best < 0) return undefined;
    current[best] = bestScore - total;
    return this.#nodes[best];
  }
}
