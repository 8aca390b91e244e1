import type { MatchRequest } from './types.js';

/**
 * A route's `hosts` as a per-route check (the radixtree_uri* routers, spec §4.3): `*.foo.com`
 * is a suffix match on `.foo.com` at any depth, `*` is any host, others are exact. An entry with
 * a `:` (a port) is compared with the Host header as received, as radixtree reads `$http_host`.
 */
export type HostFilter = (req: MatchRequest) => boolean;

export function hostFilter(hosts: readonly string[] | undefined): HostFilter | undefined {
  if (hosts === undefined || hosts.length === 0) return undefined;
  const entries = hosts.map((h) => ({
    suffix: h.startsWith('*'),
    value: h.startsWith('*') ? h.slice(1) : h,
    raw: h.includes(':'),
  }));
  return (req) => {
    for (const e of entries) {
      const host = e.raw ? req.rawHost : req.host;
      if (e.suffix ? host.endsWith(e.value) : host === e.value) return true;
    }
    return false;
  };
}
