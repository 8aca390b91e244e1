import type { PluginDefinition, PluginResponse } from '../plugin/types.js';
import { checkPcreRules, compileAnyRule } from './lib/pcre-rules.js';

/**
 * ua-restriction: lets through only the User-Agents an allowlist regex finds, or refuses those a
 * denylist regex finds (PCRE, unanchored, on the trimmed header). A request without User-Agent
 * is refused unless `bypass_missing`.
 */

interface UaRestrictionConf {
  allowlist?: string[];
  denylist?: string[];
  bypass_missing: boolean;
  message: string;
}

interface Prepared {
  readonly matches: (ua: string) => boolean;
  /** True for an allowlist: a matching User-Agent passes; false for a denylist. */
  readonly allow: boolean;
  readonly bypassMissing: boolean;
  readonly reject: PluginResponse;
}

const RULES_SCHEMA = {
  type: 'array',
  minItems: 1,
  items: { type: 'string', minLength: 1 },
};

const plugin: PluginDefinition<UaRestrictionConf, Prepared> = {
  name: 'ua-restriction',
  version: 0.1,
  priority: 2999,
  schema: {
    type: 'object',
    properties: {
      bypass_missing: { type: 'boolean', default: false },
      allowlist: RULES_SCHEMA,
      denylist: RULES_SCHEMA,
      message: { type: 'string', minLength: 1, maxLength: 1024, default: 'Not allowed' },
    },
    oneOf: [{ required: ['allowlist'] }, { required: ['denylist'] }],
  },

  check(conf) {
    return checkPcreRules(conf.allowlist) ?? checkPcreRules(conf.denylist);
  },

  prepare(conf) {
    return {
      matches: compileAnyRule(conf.allowlist ?? conf.denylist ?? [], false),
      allow: conf.allowlist !== undefined,
      bypassMissing: conf.bypass_missing,
      reject: { status: 403, body: { message: conf.message } },
    };
  },

  access(p, ctx) {
    const ua = ctx.header('user-agent');
    if (ua === undefined) return p.bypassMissing ? undefined : p.reject;
    return p.matches(ua.trim()) === p.allow ? undefined : p.reject;
  },
};

export default plugin;
