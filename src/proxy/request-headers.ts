import type { IncomingMessage } from 'node:http';
import type { Peer } from './client-address.js';

/** Never forwarded: hop-by-hop (RFC 9110 §7.6.1), and what the proxy sets itself. */
const DROP = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // node:http answers `Expect: 100-continue` itself; undici refuses to send it.
  'expect',
  'x-real-ip',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'forwarded',
]);

/** Where the Host value sits in the array: it changes per try with `pass_host: node`. */
export const HOST_VALUE_INDEX = 1;

/** Lower-case header name → value (undefined = removed): what plugins changed. */
export type HeaderEdits = ReadonlyMap<string, string | undefined>;

/**
 * The request headers sent upstream, as a flat name/value array (the form undici takes without
 * copying into an object): the client's headers minus hop-by-hop ones and those named by
 * `Connection`, then Host (a placeholder at HOST_VALUE_INDEX, filled per try), X-Real-IP,
 * X-Forwarded-For (appended) and X-Forwarded-Proto/Host/Port as APISIX sets them (spec §5.4).
 * `trusted`: the client is in `apisix.trusted_addresses`, so its X-Forwarded-Proto/Host/Port
 * (and Forwarded) are kept. `edits` (plugins' header changes) replace or remove any of these
 * but Host, and come last; applied in the same pass, so each name is lower-cased once.
 */
export function upstreamHeaders(
  req: IncomingMessage,
  clientAddr: string,
  peer: Peer,
  trusted: boolean,
  edits?: HeaderEdits,
): string[] {
  const raw = req.rawHeaders;
  const h = req.headers;
  const out = ['host', ''];
  const changed = edits === undefined || edits.size === 0 ? undefined : edits;
  const named = h.connection === undefined ? undefined : connectionTokens(h.connection);
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (DROP.has(lower) || (named !== undefined && named.has(lower))) continue;
    if (changed !== undefined && changed.has(lower)) continue;
    out.push(name, raw[i + 1]!);
  }
  push(out, changed, 'x-real-ip', clientAddr);
  const sent = h['x-forwarded-for'];
  const xff = Array.isArray(sent) ? sent.join(', ') : sent;
  push(out, changed, 'x-forwarded-for', xff === undefined ? clientAddr : `${xff}, ${clientAddr}`);
  const httpHost = h.host ?? '';
  pushForwarded(out, changed, 'x-forwarded-proto', peer.scheme, trusted, h['x-forwarded-proto']);
  pushForwarded(out, changed, 'x-forwarded-host', httpHost, trusted, h['x-forwarded-host']);
  const port = portOf(httpHost) ?? peer.serverPort;
  pushForwarded(out, changed, 'x-forwarded-port', port, trusted, h['x-forwarded-port']);
  if (trusted && typeof h.forwarded === 'string') push(out, changed, 'forwarded', h.forwarded);
  if (changed !== undefined) {
    for (const [name, value] of changed) if (value !== undefined) out.push(name, value);
  }
  return out;
}

/** A header the gateway sets, unless a plugin changed it (its edit is appended at the end). */
function push(out: string[], changed: HeaderEdits | undefined, name: string, value: string): void {
  if (changed === undefined || !changed.has(name)) out.push(name, value);
}

/** The digits after the Host value's last ':', if it ends in `:<digits>` (no regex). */
function portOf(host: string): string | undefined {
  const colon = host.lastIndexOf(':');
  if (colon < 0 || colon === host.length - 1) return undefined;
  for (let i = colon + 1; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  return host.slice(colon + 1);
}

function pushForwarded(
  out: string[],
  changed: HeaderEdits | undefined,
  name: string,
  value: string,
  trusted: boolean,
  sent: string | string[] | undefined,
): void {
  const keep = trusted && typeof sent === 'string' ? sent : undefined;
  if (keep !== undefined) push(out, changed, name, keep);
  else if (value !== '') push(out, changed, name, value);
}

function connectionTokens(value: string): Set<string> | undefined {
  const lower = value.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close' || lower === 'upgrade') return undefined;
  return new Set(lower.split(',').map((t) => t.trim()));
}

/**
 * More than one Host header: nginx answers 400 ("client sent duplicate host header"); node:http
 * keeps the first and drops the rest. No allocation: most names differ from `host` in length.
 */
export function duplicateHost(raw: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (
      name.length !== 4 ||
      (name.charCodeAt(0) | 0x20) !== 0x68 || // h
      (name.charCodeAt(1) | 0x20) !== 0x6f || // o
      (name.charCodeAt(2) | 0x20) !== 0x73 || // s
      (name.charCodeAt(3) | 0x20) !== 0x74 // t
    ) {
      continue;
    }
    if (seen) return true;
    seen = true;
  }
  return false;
}
