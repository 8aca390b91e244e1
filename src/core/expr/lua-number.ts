/**
 * Lua's `tonumber` on a variable's text, as lua-resty-expr applies it to both sides of a numeric
 * comparison. `Number()` alone is wrong at the edges: it reads '' as 0, accepts 'Infinity',
 * `0b`/`0o` literals and `_`-free forms Lua refuses, and refuses a signed hex ('-0x10') Lua reads.
 *
 * @example
 *   luaToNumber(' 12 '); // 12
 *   luaToNumber('-0x10'); // -16
 *   luaToNumber(''); // undefined
 */
export function luaToNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const n = Number(value);
  if (Number.isNaN(n)) return signedHex(value);
  // Number() says 0 for blank text and reads forms Lua rejects; only then look closer.
  if (n === 0 || !Number.isFinite(n)) return plainNumberText(value) ? n : undefined;
  if (value.length > 2 && /[bBoO]/.test(value)) return plainNumberText(value) ? n : undefined;
  return n;
}

const DECIMAL_OR_HEX = /^\s*[+-]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*$/;

function plainNumberText(value: string): boolean {
  return DECIMAL_OR_HEX.test(value);
}

const SIGNED_HEX = /^\s*([+-])0[xX]([0-9a-fA-F]+)\s*$/;

function signedHex(value: string): number | undefined {
  const m = SIGNED_HEX.exec(value);
  if (m === null) return undefined;
  const magnitude = parseInt(m[2] ?? '', 16);
  return m[1] === '-' ? -magnitude : magnitude;
}
