import type { PluginDefinition, PluginResponse } from '../plugin/types.js';

/**
 * referer-restriction: lets through only the Referer hosts of a whitelist, or refuses those of a
 * blacklist. `*.example.com` matches any host ending in `.example.com`, `*` every host; other
 * entries match the host exactly (case-sensitive, as APISIX). A request without a Referer, or
 * with one that is not an http(s) URL, is refused unless `bypass_missing`.
 */

interface RefererRestrictionConf {
  whitelist?: string[];
  blacklist?: string[];
  bypass_missing: boolean;
  message: string;
}

interface Prepared {
  readonly exact: ReadonlySet<string>;
  readonly suffixes: readonly string[];
  /** True for a whitelist: a listed host passes; false for a blacklist. */
  readonly listed: boolean;
  readonly bypassMissing: boolean;
  readonly reject: PluginResponse;
}

// APISIX `host_def`.
const HOSTS_SCHEMA = {
  type: 'array',
  minItems: 1,
  items: { type: 'string', pattern: '^\\*$|^\\*?[0-9a-zA-Z-._\\[\\]:]+$' },
};

// The host of an absolute (`http://h`, `https://h`) or scheme-relative (`//h`) URL, as
// lua-resty-http's parse_uri reads it: up to the first `:`, `/` or `?`, or a bracketed literal.
const REFERER_HOST = /^(?:https?:)?\/\/([^[\]:/?]+|\[.+\])/;

function refererHost(referer: string | undefined): string | undefined {
  return referer === undefined ? undefined : REFERER_HOST.exec(referer)?.[1];
}

function listsHost(p: Prepared, host: string): boolean {
  return p.exact.has(host) || p.suffixes.some((suffix) => host.endsWith(suffix));
}

const plugin: PluginDefinition<RefererRestrictionConf, Prepared> = {
  name: 'referer-restriction',
  version: 0.1,
  priority: 2990,
  schema: {
    type: 'object',
    properties: {
      bypass_missing: { type: 'boolean', default: false },
      whitelist: HOSTS_SCHEMA,
      blacklist: HOSTS_SCHEMA,
      message: {
        type: 'string',
        minLength: 1,
        maxLength: 1024,
        default: 'Your referer host is not allowed',
      },
    },
    oneOf: [{ required: ['whitelist'] }, { required: ['blacklist'] }],
  },

  prepare(conf) {
    const hosts = conf.whitelist ?? conf.blacklist ?? [];
    return {
      exact: new Set(hosts.filter((h) => !h.startsWith('*'))),
      suffixes: hosts.filter((h) => h.startsWith('*')).map((h) => h.slice(1)),
      listed: conf.whitelist !== undefined,
      bypassMissing: conf.bypass_missing,
      reject: { status: 403, body: { message: conf.message } },
    };
  },

  access(p, ctx) {
    const host = refererHost(ctx.header('referer'));
    if (host === undefined) return p.bypassMissing ? undefined : p.reject;
    return listsHost(p, host) === p.listed ? undefined : p.reject;
  },
};

export default plugin;
