import { CRC32_START, crc32, crc32Final, crc32Update, crc32UpdateUint32LE } from './crc32.js';

/** Virtual points per unit of (weight / gcd of weights), as lua-resty-balancer's chash. */
export const POINTS_PER_WEIGHT = 160;

/**
 * A consistent-hash ring: sorted point hashes and, for each, the index of the node owning it.
 * Point hashes follow lua-resty-balancer (CRC-32 of the node id, then chained over the previous
 * point's little-endian bytes; the id is `host:port` with every ':' turned into a NUL, as
 * apisix/balancer/chash.lua does), so a key maps to the node APISIX would choose.
 */
export class ChashRing {
  readonly #hashes: Uint32Array;
  readonly #owners: Uint32Array;

  /** `ids[i]` and `weights[i]` describe node i; weights must be > 0. */
  constructor(ids: readonly string[], weights: readonly number[]) {
    const divisor = weights.reduce(gcd, 0) || 1;
    const points: { hash: number; owner: number }[] = [];
    ids.forEach((id, owner) => {
      const count = POINTS_PER_WEIGHT * ((weights[owner] ?? 0) / divisor);
      const base = crc32Update(CRC32_START, id.replaceAll(':', '\0'));
      let prev = 0;
      for (let i = 0; i < count; i++) {
        prev = crc32Final(crc32UpdateUint32LE(base, prev));
        points.push({ hash: prev, owner });
      }
    });
    points.sort((a, b) => a.hash - b.hash || a.owner - b.owner);
    this.#hashes = Uint32Array.from(points, (p) => p.hash);
    this.#owners = Uint32Array.from(points, (p) => p.owner);
  }

  get size(): number {
    return this.#hashes.length;
  }

  /** Index of the first point at or after the key's hash, wrapping to 0 past the last one. */
  find(key: string): number {
    const hashes = this.#hashes;
    const target = crc32(key);
    let lo = 0;
    let hi = hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hashes[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo === hashes.length ? 0 : lo;
  }

  ownerAt(point: number): number {
    return this.#owners[point]!;
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
