/**
 * A header value as the bytes nginx sends for it: control characters percent-encoded (so that
 * request data cannot inject header lines) and a character past U+00FF (a `$uri` or argument
 * decoded from `%e4%b8%ad`) as its UTF-8 bytes, one Latin-1 character each, which is how node
 * writes a head. `keepTab` leaves TAB as it is (valid in a field value).
 *
 * @example
 *   headerSafe('/a\r\nX: 1'); // '/a%0D%0AX: 1'
 *   headerSafe('/中'); // '/\xe4\xb8\xad'
 */
export function headerSafe(text: string, keepTab = false): string {
  return text.replace(keepTab ? UNSAFE_KEEP_TAB : UNSAFE, (c) =>
    c.charCodeAt(0) < 0x80 ? pct(c.charCodeAt(0)) : Buffer.from(c, 'utf8').toString('latin1'),
  );
}

const UNSAFE = /[\x00-\x1f\x7f]|[^\x00-\xff]+/g;
const UNSAFE_KEEP_TAB = /[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]+/g;

function pct(code: number): string {
  return `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
}
