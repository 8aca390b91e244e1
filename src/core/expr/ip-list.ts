import { BlockList, isIP } from 'node:net';

/**
 * A set of IPs and CIDRs (v4 and v6) built once, checked per request without parsing the list
 * again: `ipmatch` in expressions and a route's `remote_addrs`. An IPv4-mapped IPv6 address
 * (`::ffff:10.0.0.1`, what a dual-stack Node socket reports) matches the IPv4 entries, as nginx
 * would have shown the client as `10.0.0.1`.
 */
export interface IpList {
  has(address: string): boolean;
}

/**
 * Parses the entries, or returns lua-resty-ipmatcher's error text for the first bad one.
 *
 * @example
 *   const list = parseIpList(['10.0.0.0/8', '::1']);
 *   if (typeof list !== 'string') list.has('10.1.2.3'); // true
 */
export function parseIpList(entries: readonly unknown[]): IpList | string {
  const blocks = new BlockList();
  for (const entry of entries) {
    const text = String(entry);
    const slash = text.indexOf('/');
    const addr = slash === -1 ? text : text.slice(0, slash);
    const bits = slash === -1 ? undefined : text.slice(slash + 1);
    const family = isIP(addr);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const max = family === 4 ? 32 : 128;
    if (family === 0) return `invalid ip address: ${text}`;
    if (bits === undefined) {
      blocks.addAddress(addr, type);
    } else if (/^\d+$/.test(bits) && Number(bits) <= max) {
      blocks.addSubnet(addr, Number(bits), type);
    } else {
      return `invalid ip address: ${text}`;
    }
  }
  return {
    // The family is guessed from a ':' so that no parsing happens here; a malformed address is
    // simply not in the list.
    has: (address) => blocks.check(address, address.includes(':') ? 'ipv6' : 'ipv4'),
  };
}
