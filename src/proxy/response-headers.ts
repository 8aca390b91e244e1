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
 * The upstream's raw response headers (undici hands them over as Buffers, name/value
 * alternating) as a flat string array for `res.writeHead`, minus hop-by-hop headers and those
 * the upstream's `Connection` names.
 */
export function downstreamHeaders(raw: readonly Buffer[]): string[] {
  const out: string[] = [];
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const lower = name.toLowerCase();
    if (DROP.has(lower)) {
      if (lower === 'connection') named = tokens(raw[i + 1]!.toString('latin1'), named);
      continue;
    }
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  if (named === undefined) return out;
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    if (!named.has(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
  }
  return kept;
}

function tokens(value: string, into: Set<string> | undefined): Set<string> | undefined {
  const lower = value.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close') return into;
  const set = into ?? new Set<string>();
  for (const t of lower.split(',')) set.add(t.trim());
  return set;
}
