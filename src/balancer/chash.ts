import { ChashRing } from './chash-ring.js';
import type { PickContext, Picker, UpstreamNode } from './types.js';
import { usableNodes } from './usable.js';

/**
 * Consistent hashing over a ring of 160 points per node × (weight / gcd of weights). The key is
 * `ctx.hashKey` (computed by hash-key.ts; the proxy passes remote_addr when it is undefined, as
 * APISIX does; a missing key hashes as ""). A retry walks clockwise from the key's point to the
 * first node not tried: the same node APISIX reaches by walking from its last point, without
 * keeping per-request state in the picker.
 *
 * @example createChash(nodes).pick({ hashKey: '10.0.0.7' }) // always the same node for this key
 */
export function createChash(nodes: readonly UpstreamNode[]): Picker {
  return new Chash(usableNodes(nodes));
}

class Chash implements Picker {
  readonly #nodes: UpstreamNode[];
  readonly #ring: ChashRing;

  constructor(nodes: UpstreamNode[]) {
    this.#nodes = nodes;
    this.#ring = new ChashRing(
      nodes.map((n) => n.key),
      nodes.map((n) => n.weight),
    );
  }

  pick(ctx: PickContext): UpstreamNode | undefined {
    if (this.#ring.size === 0) return undefined;
    const point = this.#ring.find(ctx.hashKey ?? '');
    const tried = ctx.tried;
    if (tried === undefined || tried.size === 0) return this.#nodes[this.#ring.ownerAt(point)];
    // Without this check a request that tried every node would walk the whole ring for nothing.
    if (this.#nodes.every((n) => tried.has(n.key))) return undefined;
    for (let step = 0, p = point; step < this.#ring.size; step++) {
      const node = this.#nodes[this.#ring.ownerAt(p)]!;
      if (!tried.has(node.key)) return node;
      p = p + 1 === this.#ring.size ? 0 : p + 1;
    }
    return undefined;
  }
}
