import { HTTP_METHODS } from '../core/http-methods.js';

/**
 * HTTP methods as bits, so a route's method list is checked with one `&` per request. The
 * common methods have fixed bits; another method named by a route gets the next free bit when
 * the route is compiled (off the hot path). A request method no route names has bit 0 and so
 * fails every route that lists methods, as radixtree's METHODS table does for unknown methods.
 */
const BITS = new Map<string, number>();
for (const m of HTTP_METHODS) {
  BITS.set(m, 1 << BITS.size);
}

/** The mask of a route's methods; 0 means any method. */
export function methodMask(methods: readonly string[] | undefined): number {
  let mask = 0;
  for (const m of methods ?? []) {
    let bit = BITS.get(m);
    if (bit === undefined) {
      // 31 bits fit in a small integer; past that, extra methods share the last bit.
      bit = 1 << Math.min(BITS.size, 30);
      BITS.set(m, bit);
    }
    mask |= bit;
  }
  return mask;
}

export function methodBit(method: string): number {
  return BITS.get(method) ?? 0;
}
