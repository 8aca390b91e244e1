import type { ServerResponse } from 'node:http';
import { headerSafe } from '../core/header-value.js';
import { isHttp2, withoutConnectionHeaders } from './http2-response.js';

/** Hop-by-hop response headers, plus Server (APISIX replaces it with its own). */
const DROP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'server',
]);

/**
 * The upstream's raw response headers (name/value alternating: strings from the h1 client,
 * Buffers from undici) as a flat string array for `res.writeHead`, minus hop-by-hop headers and
 * those the upstream's `Connection` names.
 */
export function downstreamHeaders(raw: readonly (string | Buffer)[]): string[] {
  const out: string[] = [];
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = latin1(raw[i]!);
    const lower = name.toLowerCase();
    if (DROP.has(lower)) {
      if (lower === 'connection') named = tokens(latin1(raw[i + 1]!), named);
      continue;
    }
    out.push(name, latin1(raw[i + 1]!));
  }
  if (named === undefined) return out;
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    if (!named.has(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
  }
  return kept;
}

function latin1(v: string | Buffer): string {
  return typeof v === 'string' ? v : v.toString('latin1');
}

function tokens(value: string, into: Set<string> | undefined): Set<string> | undefined {
  const lower = value.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close') return into;
  const set = into ?? new Set<string>();
  for (const t of lower.split(',')) set.add(t.trim());
  return set;
}

/** What node:http throws for a header name or value it will not write. */
const REFUSED = new Set(['ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * `res.writeHead` for a head that plugins may have filled from request data (a `$uri` decoded
 * from `%0d%0a` or `%e4%b8%ad`, a header echoed back): what node refuses is written as
 * OpenResty's `ngx.header` writes it (a control character as `%0D`, a character past U+00FF as
 * its UTF-8 bytes) and a name that is not a token is left out, instead of an exception that
 * would end the worker. The usual head is written by the first call. On HTTP/2, the
 * connection-specific headers a plugin may have set (`Connection: close`) are left out.
 */
export function writeHeadSafely(res: ServerResponse, status: number, given: string[]): void {
  const headers = isHttp2(res) ? withoutConnectionHeaders(given) : given;
  try {
    res.writeHead(status, headers);
  } catch (err) {
    if (!REFUSED.has((err as { code?: string }).code ?? '')) throw err;
    const safe: string[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      if (TOKEN.test(name)) safe.push(name, headerSafe(value, true));
    }
    res.writeHead(status, safe);
  }
}
