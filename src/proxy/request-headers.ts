import type { IncomingMessage } from 'node:http';

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

export interface ForwardFacts {
  readonly clientAddr: string;
  readonly scheme: string;
  /** `$server_port`: the listener's port. */
  readonly serverPort: number;
  /** The peer is in `apisix.trusted_addresses`: its X-Forwarded-Proto/Host/Port are kept. */
  readonly trusted: boolean;
}

/**
 * The request headers sent upstream, as a flat name/value array (the form undici takes without
 * copying into an object): the client's headers minus hop-by-hop ones and those named by
 * `Connection`, then Host (a placeholder at HOST_VALUE_INDEX, filled per try), X-Real-IP,
 * X-Forwarded-For (appended) and X-Forwarded-Proto/Host/Port as APISIX sets them (spec §5.4).
 */
export function upstreamHeaders(req: IncomingMessage, facts: ForwardFacts): string[] {
  const raw = req.rawHeaders;
  const out = ['host', ''];
  const named = connectionTokens(req.headers.connection);
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (DROP.has(lower) || (named !== undefined && named.has(lower))) continue;
    out.push(name, raw[i + 1]!);
  }
  const h = req.headers;
  out.push('x-real-ip', facts.clientAddr);
  const sent = h['x-forwarded-for'];
  const xff = Array.isArray(sent) ? sent.join(', ') : sent;
  out.push('x-forwarded-for', xff === undefined ? facts.clientAddr : `${xff}, ${facts.clientAddr}`);
  const httpHost = h.host ?? '';
  const portInHost = /:(\d+)$/.exec(httpHost)?.[1];
  pushForwarded(out, 'x-forwarded-proto', facts.scheme, facts.trusted, h['x-forwarded-proto']);
  pushForwarded(out, 'x-forwarded-host', httpHost, facts.trusted, h['x-forwarded-host']);
  const port = portInHost ?? String(facts.serverPort);
  pushForwarded(out, 'x-forwarded-port', port, facts.trusted, h['x-forwarded-port']);
  if (facts.trusted && typeof h.forwarded === 'string') out.push('forwarded', h.forwarded);
  return out;
}

function pushForwarded(
  out: string[],
  name: string,
  value: string,
  trusted: boolean,
  sent: string | string[] | undefined,
): void {
  const keep = trusted && typeof sent === 'string' ? sent : undefined;
  if (keep !== undefined) out.push(name, keep);
  else if (value !== '') out.push(name, value);
}

function connectionTokens(value: string | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close' || lower === 'upgrade') return undefined;
  return new Set(lower.split(',').map((t) => t.trim()));
}
