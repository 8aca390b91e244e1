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
