import type { PluginDefinition, PluginResponse } from '../plugin/types.js';
import { checkPcreRules, compileAnyRule } from './lib/pcre-rules.js';

/**
 * uri-blocker: refuses a request whose `request_uri` (normalised path and query) one of the
 * `block_rules` regexes finds (PCRE, unanchored; `case_insensitive` adds `(?i)`).
 */

interface UriBlockerConf {
  block_rules: string[];
  rejected_code: number;
  rejected_msg?: string;
  case_insensitive: boolean;
}

interface Prepared {
  readonly blocked: (requestUri: string) => boolean;
  readonly reject: PluginResponse;
}

const plugin: PluginDefinition<UriBlockerConf, Prepared> = {
  name: 'uri-blocker',
  version: 0.1,
  priority: 2900,
  schema: {
    type: 'object',
    properties: {
      block_rules: {
        type: 'array',
        items: { type: 'string', minLength: 1, maxLength: 4096 },
        uniqueItems: true,
      },
      rejected_code: { type: 'integer', minimum: 200, default: 403 },
      rejected_msg: { type: 'string', minLength: 1 },
      case_insensitive: { type: 'boolean', default: false },
    },
    required: ['block_rules'],
  },

  check(conf) {
    return checkPcreRules(conf.block_rules);
  },

  prepare(conf) {
    return {
      // APISIX with an empty list searches for the empty regex, which every URI contains.
      blocked: compileAnyRule(conf.block_rules, conf.case_insensitive),
      reject:
        conf.rejected_msg === undefined
          ? { status: conf.rejected_code }
          : { status: conf.rejected_code, body: { error_msg: conf.rejected_msg } },
    };
  },

  rewrite(p, ctx) {
    // `request_uri` is APISIX's: the normalised `$uri` plus the query, so `/a/../admin` is `/admin`.
    return p.blocked(ctx.var('request_uri') ?? ctx.uri) ? p.reject : undefined;
  },
};

export default plugin;
