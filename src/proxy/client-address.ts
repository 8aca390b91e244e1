import type { IncomingMessage } from 'node:http';
import { BlockList, isIP, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface RealIpOptions {
  /** nginx `real_ip_header` (APISIX default `X-Real-IP`). */
  readonly header?: string;
  /** nginx `set_real_ip_from`: addresses/CIDRs whose header is believed; `unix:` is ignored. */
  readonly from?: readonly string[];
  /** nginx `real_ip_recursive`. */
  readonly recursive?: boolean;
}

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
 * What the proxy needs to know about a connection's peer, computed once per connection (the
 * address checks go through node's BlockList, which allocates per check) and kept on the socket.
 */
export interface Peer {
  /** The peer address, IPv4-mapped IPv6 shown as IPv4. */
  readonly addr: string;
  /** The peer is in `real_ip_from`: its `real_ip_header` is believed. */
  readonly realIpTrusted: boolean;
  /** The peer is in `apisix.trusted_addresses`. */
  readonly trusted: boolean;
  readonly scheme: 'http' | 'https';
  /** `$server_port` as text. */
  readonly serverPort: string;
}

/**
 * The client address as nginx's realip module computes it: the peer address, or, when the peer
 * is trusted (`real_ip_from`), the address the header names: the last entry of a list, or with
 * `real_ip_recursive` the last entry that is not itself trusted. A header value that is not an
 * address leaves the peer address.
 *
 * @example
 *   const realIp = new RealIp({ header: 'X-Forwarded-For', from: ['127.0.0.1'] }, []);
 *   const addr = realIp.clientAddress(req, realIp.peer(req));
 */
export class RealIp {
  readonly #header: string | undefined;
  readonly #fromTrusted: (ip: string) => boolean;
  readonly #recursive: boolean;
  readonly #trusted: (ip: string) => boolean;
  /** Per instance: a socket may outlive one handler's configuration. */
  readonly #key = Symbol('peer');

  constructor(opts: RealIpOptions, trustedAddresses: readonly string[]) {
    const from = opts.from ?? [];
    this.#header =
      opts.header === undefined || from.length === 0 ? undefined : opts.header.toLowerCase();
    this.#fromTrusted = addressMatcher(from);
    this.#recursive = opts.recursive === true;
    this.#trusted = addressMatcher(trustedAddresses);
  }

  /** The connection's peer facts, cached on its socket. */
  peer(req: IncomingMessage): Peer {
    const socket = req.socket as Socket & Record<symbol, Peer | undefined>;
    return (socket[this.#key] ??= this.#newPeer(socket));
  }

  clientAddress(req: IncomingMessage, peer: Peer): string {
    if (!peer.realIpTrusted) return peer.addr;
    const raw = req.headers[this.#header!];
    if (raw === undefined) return peer.addr;
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    if (value === '') return peer.addr;
    return fromList(value, this.#recursive, this.#fromTrusted) ?? peer.addr;
  }

  /** Whether `addr` (the client address of a request) is in `apisix.trusted_addresses`. */
  trusted(addr: string, peer: Peer): boolean {
    return addr === peer.addr ? peer.trusted : this.#trusted(addr);
  }

  #newPeer(socket: Socket): Peer {
    const addr = plainAddress(socket.remoteAddress ?? '');
    return {
      addr,
      realIpTrusted: this.#header !== undefined && this.#fromTrusted(addr),
      trusted: this.#trusted(addr),
      scheme: (socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http',
      serverPort: String(socket.localPort ?? ''),
    };
  }
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
