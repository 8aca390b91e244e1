import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

export interface RealIpOptions {
  /** nginx `real_ip_header` (APISIX default `X-Real-IP`). */
  readonly header?: string;
  /** nginx `set_real_ip_from`: addresses/CIDRs whose header is believed; `unix:` is ignored. */
  readonly from?: readonly string[];
  /** nginx `real_ip_recursive`. */
  readonly recursive?: boolean;
}

/** Reads a request's client address; built once per handler. */
export type ClientAddressFn = (req: IncomingMessage) => string;

/** IPv4 peers of a dual-stack listener arrive as `::ffff:1.2.3.4`; nginx shows `1.2.3.4`. */
export function plainAddress(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/** A matcher over addresses and CIDRs (v4 and v6); invalid entries are dropped. */
export function addressMatcher(entries: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  let any = false;
  for (const entry of entries) {
    const [addr = '', bits] = entry.split('/');
    const family = isIP(addr);
    if (family === 0) continue;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
    any = true;
  }
  if (!any) return () => false;
  return (ip) => {
    const family = isIP(ip);
    return family !== 0 && list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/**
 * The client address as nginx's realip module computes it: the peer address, or, when the peer
 * is trusted (`real_ip_from`), the address the header names: the last entry of a list, or with
 * `real_ip_recursive` the last entry that is not itself trusted. A header value that is not an
 * address leaves the peer address.
 *
 * @example clientAddress({ header: 'X-Forwarded-For', from: ['127.0.0.1'] })(req)
 */
export function clientAddress(opts: RealIpOptions): ClientAddressFn {
  const peer = (req: IncomingMessage): string => plainAddress(req.socket.remoteAddress ?? '');
  const from = opts.from ?? [];
  if (opts.header === undefined || from.length === 0) return peer;
  const trusted = addressMatcher(from);
  const header = opts.header.toLowerCase();
  const recursive = opts.recursive === true;
  return (req) => {
    const addr = peer(req);
    if (!trusted(addr)) return addr;
    const raw = req.headers[header];
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    if (value === undefined || value === '') return addr;
    return fromList(value, recursive, trusted) ?? addr;
  };
}

function fromList(value: string, recursive: boolean, trusted: (ip: string) => boolean) {
  const parts = value.split(',');
  for (let i = parts.length - 1; i >= 0; i--) {
    const ip = plainAddress(parts[i]!.trim());
    if (isIP(ip) === 0) return undefined;
    if (!recursive || !trusted(ip) || i === 0) return ip;
  }
  return undefined;
}
