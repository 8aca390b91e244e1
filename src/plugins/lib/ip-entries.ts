import { parseIpList, type IpList } from '../../core/expr/ip-list.js';
import type { JsonSchema } from '../../plugin/types.js';

/**
 * Lists of IPs and CIDRs in plugin confs (ip-restriction, real-ip): APISIX's `ip_def` schema,
 * then a real parse in `check` (the IPv6/CIDR pattern lets `::1/129` through, as APISIX's does),
 * then one compiled matcher per conf in `prepare`.
 */

const IPV4_SEG = '([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])';
const IPV4 = [IPV4_SEG, IPV4_SEG, IPV4_SEG, IPV4_SEG].join('\\.');
const IPV6 = '([a-fA-F0-9]{0,4}:){1,8}(:[a-fA-F0-9]{0,4}){0,8}([a-fA-F0-9]{0,4})?';

/** An array (at least one item) of IPv4, IPv4/CIDR, IPv6 or IPv6/CIDR strings. */
export const IP_LIST_SCHEMA: JsonSchema = {
  type: 'array',
  minItems: 1,
  items: {
    anyOf: [
      { title: 'IPv4', type: 'string', format: 'ipv4' },
      { title: 'IPv4/CIDR', type: 'string', pattern: `^${IPV4}/([12]?[0-9]|3[0-2])$` },
      { title: 'IPv6', type: 'string', format: 'ipv6' },
      { title: 'IPv6/CIDR', type: 'string', pattern: `^${IPV6}/[0-9]{1,3}$` },
    ],
  },
};

/** `invalid ip address: <entry>` for the first entry that is not an address or CIDR. */
export function checkIpEntries(entries: readonly string[] | undefined): string | undefined {
  if (entries === undefined) return undefined;
  const list = parseIpList(entries);
  return typeof list === 'string' ? list : undefined;
}

/** The matcher of a list `check` accepted; a bad entry here is a bug, so it throws. */
export function compileIpEntries(entries: readonly string[]): IpList {
  const list = parseIpList(entries);
  if (typeof list === 'string') throw new Error(list);
  return list;
}
