import type { UpstreamNode } from '../../src/balancer/types.js';

/** `node('a', 5)` → 10.0.0.a-ish test node with key `a:80`. */
export function node(host: string, weight = 1, priority = 0): UpstreamNode {
  return { host, port: 80, weight, priority, key: `${host}:80` };
}

export function nodes(count: number, weight = 1): UpstreamNode[] {
  return Array.from({ length: count }, (_, i) => node(`10.0.${i >> 8}.${i & 255}`, weight));
}

/** A deterministic PRNG (mulberry32) so statistical tests never flake. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
