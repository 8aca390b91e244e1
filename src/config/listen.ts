import { configError, formatKeyPath, isPlainObject, type KeyPath } from './config-error.js';
import type { ListenAddress } from './types.js';

/**
 * One listen entry as config.yaml may write it — `9080`, `{port: 9080}` or
 * `{ip: 127.0.0.1, port: 9080}` — as a full address. Missing parts come from `fallback`.
 */
export function toListenAddress(value: unknown, fallback: ListenAddress): ListenAddress {
  if (typeof value === 'number') return { ip: fallback.ip, port: value };
  if (isPlainObject(value)) {
    const ip = typeof value['ip'] === 'string' ? value['ip'] : fallback.ip;
    const port = typeof value['port'] === 'number' ? value['port'] : fallback.port;
    return { ip, port };
  }
  return { ...fallback };
}

/** A list (or a single port) of listen entries, with repeats of one ip:port dropped as APISIX does. */
export function toListenList(value: unknown, fallback: ListenAddress): ListenAddress[] {
  const entries = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const seen = new Set<string>();
  const out: ListenAddress[] = [];
  for (const entry of entries) {
    const addr = toListenAddress(entry, fallback);
    const key = `${addr.ip}:${addr.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(addr);
  }
  return out;
}

/** A listener the process will open, named by the config key that asks for it. */
export interface NamedListener {
  path: KeyPath;
  addr: ListenAddress;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

function overlaps(a: ListenAddress, b: ListenAddress): boolean {
  if (a.port !== b.port || a.port === 0) return false;
  return a.ip === b.ip || WILDCARDS.has(a.ip) || WILDCARDS.has(b.ip);
}

/**
 * Two listeners on one port (and overlapping addresses) cannot both bind: a start-up error,
 * as APISIX's `validate_and_get_listen_addr`. Port 0 (any free port) never conflicts.
 */
export function checkPortConflicts(listeners: readonly NamedListener[], fileLabel: string): void {
  listeners.forEach((later, i) => {
    const earlier = listeners.slice(0, i).find((l) => overlaps(l.addr, later.addr));
    if (earlier !== undefined) {
      throw configError(
        fileLabel,
        later.path,
        `port ${later.addr.port} conflicts with ${formatKeyPath(earlier.path)}`,
      );
    }
  });
}
