/**
 * CRC-32 (IEEE 802.3, the one zlib and nginx's ngx_crc32_short compute), used by the
 * consistent-hash ring because lua-resty-balancer builds its ring with it: the same node set
 * and key land on the same node in APISIX and in Gatehouse.
 */

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

function update(state: number, byte: number): number {
  return TABLE[(state ^ byte) & 0xff]! ^ (state >>> 8);
}

/**
 * Continues a raw (not yet inverted) CRC state over the UTF-8 bytes of `text`, without
 * allocating a Buffer: the request's hash key goes through here on every chash pick.
 */
export function crc32Update(state: number, text: string): number {
  let c = state;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      c = update(c, code);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd; // lone surrogate, as TextEncoder does
    if (code < 0x800) {
      c = update(c, 0xc0 | (code >> 6));
    } else if (code < 0x10000) {
      c = update(c, 0xe0 | (code >> 12));
      c = update(c, 0x80 | ((code >> 6) & 0x3f));
    } else {
      c = update(c, 0xf0 | (code >> 18));
      c = update(c, 0x80 | ((code >> 12) & 0x3f));
      c = update(c, 0x80 | ((code >> 6) & 0x3f));
    }
    c = update(c, 0x80 | (code & 0x3f));
  }
  return c;
}

/** Continues a raw CRC state over the four little-endian bytes of `value`. */
export function crc32UpdateUint32LE(state: number, value: number): number {
  let c = update(state, value & 0xff);
  c = update(c, (value >>> 8) & 0xff);
  c = update(c, (value >>> 16) & 0xff);
  return update(c, (value >>> 24) & 0xff);
}

/** The raw state a CRC starts from, and the final inversion. */
export const CRC32_START = 0xffffffff;
export function crc32Final(state: number): number {
  return (state ^ 0xffffffff) >>> 0;
}

/** @example crc32('123456789') === 0xcbf43926 */
export function crc32(text: string): number {
  return crc32Final(crc32Update(CRC32_START, text));
}
