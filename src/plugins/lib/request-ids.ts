/**
 * The id generators of request-id (`algorithm`): uuid (v4), uuidv7, nanoid, range_id, ksuid.
 *
 * @example
 *   nanoid(); // 'V1StGXR8_Z5jdHi6B-myT'
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

const NANOID_ALPHABET = '-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const NANOID_SIZE = 21;

export const uuid = (): string => randomUUID();

/** 21 characters of a 64-letter alphabet, 6 random bits each (no modulo bias). */
export function nanoid(): string {
  const bytes = randomBytes(NANOID_SIZE);
  let id = '';
  for (const b of bytes) id += NANOID_ALPHABET[b & 63] ?? '';
  return id;
}

/** `length` characters drawn from `charSet`. */
export function rangeId(charSet: string, length: number): string {
  let id = '';
  for (let i = 0; i < length; i += 1) id += charSet[randomInt(charSet.length)] ?? '';
  return id;
}

let lastV7Ms = 0;
let v7Sequence = 0;

/**
 * RFC 9562 UUIDv7: 48-bit Unix ms, version 7, a 12-bit counter seeded at random each new
 * millisecond (monotone inside one process, also when the clock steps back), random tail.
 */
export function uuidv7(): string {
  const bytes = randomBytes(16);
  let ms = Date.now();
  if (ms > lastV7Ms) {
    lastV7Ms = ms;
    v7Sequence = ((bytes[6] ?? 0) << 4) | ((bytes[7] ?? 0) >> 4);
    v7Sequence &= 0x7ff; // room to count up before the 12 bits run out
  } else {
    v7Sequence += 1;
    if (v7Sequence > 0xfff) {
      lastV7Ms += 1;
      v7Sequence = 0;
    }
    ms = lastV7Ms;
  }
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (v7Sequence >> 8);
  bytes[7] = v7Sequence & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KSUID_EPOCH = 1_400_000_000;

/** KSUID: 4-byte seconds since 2014-05-13 and 16 random bytes, as 27 base62 characters. */
export function ksuid(): string {
  const bytes = Buffer.alloc(20);
  bytes.writeUInt32BE(Math.floor(Date.now() / 1000) - KSUID_EPOCH, 0);
  randomBytes(16).copy(bytes, 4);
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = (BASE62[Number(n % 62n)] ?? '') + out;
    n /= 62n;
  }
  return out.padStart(27, '0');
}
