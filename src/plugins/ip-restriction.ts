import type { IpList } from '../core/expr/ip-list.js';
import type { PluginDefinition, PluginResponse } from '../plugin/types.js';
import { IP_LIST_SCHEMA, checkIpEntries, compileIpEntries } from './lib/ip-entries.js';

/**
 * ip-restriction: lets through only the client addresses of a whitelist, or refuses those of a
 * blacklist (IPs and CIDRs, v4 and v6). The client address is the one after real_ip_header and
 * the real-ip plugin.
 */

interface IpRestrictionConf {
  whitelist?: string[];
  blacklist?: string[];
  message: string;
  response_code: number;
}

interface Prepared {
  readonly list: IpList;
  /** True for a whitelist: an address in the list passes; false for a blacklist. */
  readonly listed: boolean;
  readonly reject: PluginResponse;
}

const plugin: PluginDefinition<IpRestrictionConf, Prepared> = {
  name: 'ip-restriction',
  version: 0.1,
  priority: 3000,
  schema: {
    type: 'object',
    properties: {
      message: {
        type: 'string',
        minLength: 1,
        maxLength: 1024,
        default: 'Your IP address is not allowed',
      },
      response_code: { type: 'integer', minimum: 403, maximum: 404, default: 403 },
      whitelist: IP_LIST_SCHEMA,
      blacklist: IP_LIST_SCHEMA,
    },
    oneOf: [{ required: ['whitelist'] }, { required: ['blacklist'] }],
  },

  check(conf) {
    return checkIpEntries(conf.whitelist) ?? checkIpEntries(conf.blacklist);
  },

  prepare(conf) {
    return {
      list: compileIpEntries(conf.whitelist ?? conf.blacklist ?? []),
      listed: conf.whitelist !== undefined,
      reject: { status: conf.response_code, body: { message: conf.message } },
    };
  },

  access(p, ctx) {
    return p.list.has(ctx.clientIp) === p.listed ? undefined : p.reject;
  },
};

export default plugin;
