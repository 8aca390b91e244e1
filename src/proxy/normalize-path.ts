/**
 * nginx `$uri` from the request target: the path without the query, percent-decoded, with `.`
 * and `..` segments resolved and repeated slashes merged (nginx `merge_slashes on`). Routing uses
 * it; the upstream still gets the request target as the client sent it. Undefined when the path
 * climbs above the root or decodes to something nginx rejects (→ 400).
 *
 * @example normalizePath('/a/./b/../c%20d?x=1') // '/a/c d'
 */
export function normalizePath(target: string): string | undefined {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  if (!needsWork(path)) return path;
  if (path.charCodeAt(0) !== 0x2f) return undefined;
  let decoded: string;
  try {
    decoded = path.includes('%') ? decodeURIComponent(path) : path;
  } catch {
    // nginx decodes byte-wise; a malformed escape stays literal there. Keep the raw path.
    decoded = path;
  }
  if (decoded.includes('\0')) return undefined;
  const out: string[] = [];
  const parts = decoded.split('/');
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    const last = i === parts.length - 1;
    if (seg === '' && !last) continue;
    if (seg === '.') {
      if (last) out.push('');
      continue;
    }
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      if (last) out.push('');
      continue;
    }
    out.push(seg);
  }
  return '/' + out.join('/');
}

/** The common case, checked without allocating: no escapes, no dot segments, no `//`. */
function needsWork(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x25) return true; // %
    if (c === 0x2f) {
      const next = path.charCodeAt(i + 1);
      if (next === 0x2f || next === 0x2e) return true; // '//' or '/.'
    }
  }
  return path.length === 0 || path.charCodeAt(0) !== 0x2f;
}

const ABSOLUTE_FORM = /^https?:\/\/([^/?#@\s]+)([/?].*)?$/i;

/**
 * An absolute-form request target (`http://host:port/path?q`, RFC 9112 §3.2.2: what a client
 * that takes the gateway for a forward proxy sends) split as nginx does: the origin-form target
 * (`/path?q`; `/` without a path), sent upstream, and the authority, which stands for the Host
 * in routing. Undefined for any other target (or an authority with userinfo): 400.
 *
 * @example splitAbsoluteForm('http://a.example:8080?x=1') // { target: '/?x=1', host: 'a.example:8080' }
 */
export function splitAbsoluteForm(target: string): { target: string; host: string } | undefined {
  const m = ABSOLUTE_FORM.exec(target);
  if (m === null) return undefined;
  const rest = m[2] ?? '/';
  return { host: m[1]!, target: rest.charCodeAt(0) === 0x3f ? '/' + rest : rest };
}
