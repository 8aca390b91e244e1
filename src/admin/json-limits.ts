/** lua-cjson's `decode_max_depth` default: APISIX refuses a body nested deeper. */
export const MAX_JSON_DEPTH = 1000;

/**
 * What JSON.parse accepts but a stored value cannot hold, in a body that already parsed:
 * nesting deeper than lua-cjson decodes (APISIX's message; the checks and copies that follow
 * recurse, so a deeper body would overflow the stack), and a number too large for a double
 * (`1e400` parses as Infinity, which JSON.stringify would store as null). Returns the reason
 * for `invalid request body: <reason>`, or undefined.
 */
export function jsonLimitViolation(raw: string): string | undefined {
  let depth = 0;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw.charCodeAt(i);
    if (ch === QUOTE) {
      i = stringEnd(raw, i);
    } else if (ch === OPEN_BRACE || ch === OPEN_BRACKET) {
      if (++depth > MAX_JSON_DEPTH) {
        // cjson counts the character after the bracket it refused.
        return `Found too many nested data structures (${depth}) at character ${i + 1}`;
      }
    } else if (ch === CLOSE_BRACE || ch === CLOSE_BRACKET) {
      depth--;
    } else if (ch === MINUS || (ch >= DIGIT_0 && ch <= DIGIT_9)) {
      const end = numberEnd(raw, i);
      const token = raw.slice(i, end);
      if (!Number.isFinite(Number(token))) {
        return `number ${token} at character ${i + 1} is out of range`;
      }
      i = end - 1;
    }
  }
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** The index of the quote closing the string that opens at `start`. */
function stringEnd(raw: string, start: number): number {
  let i = start + 1;
  while (i < raw.length) {
    const ch = raw.charCodeAt(i);
    if (ch === BACKSLASH) i += 2;
    else if (ch === QUOTE) return i;
    else i++;
  }
  return i;
}

/** The index just past the number token that starts at `start`. */
function numberEnd(raw: string, start: number): number {
  let i = start + 1;
  while (i < raw.length && /[0-9eE.+-]/.test(raw.charAt(i))) i++;
  return i;
}
