/**
 * nginx's URI escaping as APISIX uses it for rewritten paths (`core.utils.uri_safe_encode` =
 * `ngx_escape_uri(..., NGX_ESCAPE_URI)`, `escape_uri_control_chars`).
 *
 * @example
 *   uriSafeEncode('/with space?'); // '/with%20space%3F'
 */

const HEX = '0123456789ABCDEF';

function pct(byte: number): string {
  return `%${HEX[byte >> 4] ?? '0'}${HEX[byte & 15] ?? '0'}`;
}

// NGX_ESCAPE_URI: controls, space, '#', '%', '?', DEL and every non-ASCII byte.
function escapedInPath(code: number): boolean {
  return code <= 0x20 || code === 0x23 || code === 0x25 || code === 0x3f || code >= 0x7f;
}

/** Percent-encodes what nginx's `NGX_ESCAPE_URI` table escapes, UTF-8 bytes for non-ASCII. */
export function uriSafeEncode(uri: string): string {
  let i = 0;
  while (i < uri.length && !escapedInPath(uri.charCodeAt(i))) i += 1;
  if (i === uri.length) return uri;
  let out = uri.slice(0, i);
  for (const ch of uri.slice(i)) {
    const code = ch.codePointAt(0) ?? 0;
    if (!escapedInPath(code)) out += ch;
    else if (code < 0x80) out += pct(code);
    else for (const b of Buffer.from(ch, 'utf8')) out += pct(b);
  }
  return out;
}

/** Percent-encodes control characters only (0x00-0x1F, 0x7F): a query keeps its delimiters. */
export function escapeControlChars(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => pct(c.charCodeAt(0)));
}
