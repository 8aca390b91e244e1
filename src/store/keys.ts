/**
 * Key order and prefix bounds with etcd semantics. Keys compare as UTF-8 bytes (not as JS
 * UTF-16 code units, which disagree for characters above U+FFFF), so every backend and every
 * test agrees on one order: `routes/1` < `routes/10` < `routes/2`.
 */

/** Byte-wise comparison of two keys, for Array.prototype.sort. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The first key after every key that starts with `prefix` (etcd `range_end`: the prefix with its
 * last byte incremented, trailing 0xff bytes dropped). Undefined means "no upper bound" (empty
 * prefix, or a prefix of only 0xff bytes).
 *
 * @example prefixEnd(Buffer.from('/apisix/routes/')) // => Buffer '/apisix/routes0'
 */
export function prefixEnd(prefix: Buffer): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    const byte = end[i] ?? 0xff;
    if (byte < 0xff) {
      end[i] = byte + 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}
