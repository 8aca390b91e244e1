import { isIP } from 'node:net';
import type { IpList } from '../core/expr/ip-list.js';
import type { PluginContext, PluginDefinition } from '../plugin/types.js';
import { IP_LIST_SCHEMA, checkIpEntries, compileIpEntries } from './lib/ip-entries.js';

/**
 * real-ip: takes the client address (and port) from a variable, e.g. `http_x_forwarded_for` or
 * `arg_realip`, so that `remote_addr`, ip-restriction, limits and logs see it. With
 * `trusted_addresses`, only peers in the list are believed.
 */

interface RealIpConf {
  source: string;
  trusted_addresses?: string[];
  recursive: boolean;
}

interface Prepared {
  readonly source: string;
  readonly trusted: IpList | undefined;
  readonly recursive: boolean;
}

/**
 * The address in X-Forwarded-For: the last entry; with `recursive` and a trusted list, the
 * rightmost entry that is not trusted, else the first.
 */
function forwardedFor(p: Prepared, value: string): string {
  const comma = value.lastIndexOf(',');
  if (comma === -1) return value;
  if (p.recursive && p.trusted !== undefined) {
    const entries = value.split(/,\s*/);
    for (let i = entries.length - 1; i > 0; i -= 1) {
      const entry = entries[i] ?? '';
      if (!p.trusted.has(entry)) return entry;
    }
    return entries[0] ?? '';
  }
  return value.slice(comma + 1).trimStart();
}

/** `ip`, `ip:port`, `[ipv6]`, `[ipv6]:port` or a bare IPv6 address; undefined when invalid. */
function parseAddress(addr: string): { ip: string; port: number | undefined } | undefined {
  let host = addr;
  let port: string | undefined;
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    if (close === -1) return undefined;
    host = addr.slice(1, close);
    const rest = addr.slice(close + 1);
    if (rest.startsWith(':')) port = rest.slice(1);
    else if (rest !== '') return undefined;
  } else if (addr.indexOf(':') !== -1 && addr.indexOf(':') === addr.lastIndexOf(':')) {
    // One colon: host and port. Two or more: an IPv6 address without a port.
    port = addr.slice(addr.indexOf(':') + 1);
    host = addr.slice(0, addr.indexOf(':'));
  }
  if (isIP(host) === 0) return undefined;
  // As Lua's tonumber: a port that is not a number is ignored, a number out of range refused.
  const n = port === undefined || port.trim() === '' ? NaN : Number(port);
  if (Number.isNaN(n)) return { ip: host, port: undefined };
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? { ip: host, port: n } : undefined;
}

function sourceAddress(p: Prepared, ctx: PluginContext): string | undefined {
  if (p.source !== 'http_x_forwarded_for') return ctx.var(p.source);
  const value = ctx.header('x-forwarded-for');
  return value === undefined ? undefined : forwardedFor(p, value);
}

const plugin: PluginDefinition<RealIpConf, Prepared> = {
  name: 'real-ip',
  version: 0.1,
  priority: 23000,
  schema: {
    type: 'object',
    properties: {
      trusted_addresses: IP_LIST_SCHEMA,
      source: { type: 'string', minLength: 1 },
      recursive: { type: 'boolean', default: false },
    },
    required: ['source'],
  },

  check(conf) {
    return checkIpEntries(conf.trusted_addresses);
  },

  prepare(conf) {
    return {
      source: conf.source,
      trusted:
        conf.trusted_addresses === undefined ? undefined : compileIpEntries(conf.trusted_addresses),
      recursive: conf.recursive,
    };
  },

  rewrite(p, ctx) {
    if (p.trusted !== undefined && !p.trusted.has(ctx.clientIp)) return undefined;
    const addr = sourceAddress(p, ctx);
    const parsed = addr === undefined ? undefined : parseAddress(addr);
    if (parsed !== undefined) ctx.setClientIp(parsed.ip, parsed.port);
    return undefined;
  },
};

export default plugin;
