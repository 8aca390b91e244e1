import type { PluginContext, PluginDefinition, PluginEnv } from '../plugin/types.js';
import { compileSubstitution, type Substitution } from './lib/regex-sub.js';
import type { Template } from './lib/template.js';
import { uriSafeEncode } from './lib/uri-encode.js';

/**
 * redirect (spec §2.4): answers with a redirect instead of proxying — to a `uri` template, to a
 * `regex_uri` substitution of the path, or to https (`http_to_https`).
 */

// redirect's own template grammar (not resolve_var): `\$name` stays as written, `${name}` and
// `$name` are variables of `[0-9a-zA-Z_]`, a lone `$` stays, and a backslash not followed by
// `$name` is dropped (no alternative matches it).
const URI_SEGMENT =
  '(\\\\\\$[0-9a-zA-Z_]+)|\\$\\{([0-9a-zA-Z_]+)\\}|\\$([0-9a-zA-Z_]+)|(\\$|[^$\\\\]+)';

const schema = {
  type: 'object',
  properties: {
    ret_code: { type: 'integer', minimum: 200, default: 302 },
    uri: { type: 'string', minLength: 2, pattern: URI_SEGMENT },
    regex_uri: { type: 'array', maxItems: 2, minItems: 2, items: { type: 'string' } },
    http_to_https: { type: 'boolean' },
    encode_uri: { type: 'boolean', default: false },
    append_query_string: { type: 'boolean', default: false },
  },
  oneOf: [{ required: ['uri'] }, { required: ['regex_uri'] }, { required: ['http_to_https'] }],
};

interface RedirectConf {
  ret_code: number;
  uri?: string;
  regex_uri?: [string, string];
  http_to_https?: boolean;
  encode_uri: boolean;
  append_query_string: boolean;
}

interface Prepared {
  readonly retCode: number;
  readonly uri: Template | undefined;
  readonly regexUri: Substitution | undefined;
  readonly httpToHttps: boolean;
  /** `:port` for http_to_https, or '' when the https port is 443 or unknown. */
  readonly httpsPort: string;
  readonly encodeUri: boolean;
  readonly appendQueryString: boolean;
}

/** Compiles redirect's `uri` grammar into a function of the request's variables. */
function compileRedirectUri(uri: string): Template {
  const parts: Array<string | { name: string }> = [];
  for (const m of uri.matchAll(new RegExp(URI_SEGMENT, 'g'))) {
    const name = m[2] ?? m[3];
    if (name !== undefined) parts.push({ name });
    else parts.push(m[1] ?? m[4] ?? '');
  }
  return (src) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : (src.var(p.name) ?? '');
    return out;
  };
}

function check(conf: RedirectConf): string | undefined {
  if (conf.regex_uri !== undefined) {
    const [pattern, replacement] = conf.regex_uri;
    const sub = compileSubstitution(pattern, replacement);
    if (typeof sub === 'string') {
      return `invalid regex_uri (${pattern}, ${replacement}), err:${sub}`;
    }
  }
  if (conf.http_to_https === true && conf.append_query_string) {
    return 'only one of `http_to_https` and `append_query_string` can be configured.';
  }
  return undefined;
}

// plugin_attr.redirect.https_port; APISIX would otherwise take a random apisix.ssl.listen
// port, which plugins here cannot read (see docs/plugins/redirect.md).
function httpsPort(env: PluginEnv): string {
  const port = env.attr('redirect')?.['https_port'];
  if (typeof port !== 'number' || port === 443 || port <= 0 || port > 65535) return '';
  return `:${port}`;
}

function prepare(conf: RedirectConf, env: PluginEnv): Prepared {
  let regexUri: Substitution | undefined;
  if (conf.regex_uri !== undefined) {
    const sub = compileSubstitution(conf.regex_uri[0], conf.regex_uri[1]);
    if (typeof sub === 'string') throw new Error(sub);
    regexUri = sub;
  }
  return {
    retCode: conf.ret_code,
    uri: conf.uri === undefined ? undefined : compileRedirectUri(conf.uri),
    regexUri,
    httpToHttps: conf.http_to_https === true,
    httpsPort: httpsPort(env),
    encodeUri: conf.encode_uri,
    appendQueryString: conf.append_query_string,
  };
}

/** The Location and status, or undefined when the request goes on. */
function redirectOf(p: Prepared, ctx: PluginContext): [string, number] | undefined {
  if (p.httpToHttps) {
    const scheme = ctx.header('x-forwarded-proto') ?? ctx.var('scheme');
    if (scheme === 'https') return undefined;
    const target = `https://${ctx.var('host') ?? ''}${p.httpsPort}${ctx.var('request_uri') ?? ''}`;
    // The method as rewritten so far (proxy-rewrite runs before), as ngx.req.get_method.
    const method = ctx.upstreamMethod;
    return [target, method === 'GET' || method === 'HEAD' ? 301 : 308];
  }
  if (p.uri !== undefined) return [p.uri(ctx), p.retCode];
  const target = p.regexUri?.once(ctx.var('uri') ?? ctx.uri);
  return target === undefined ? undefined : [target, p.retCode];
}

const plugin: PluginDefinition<RedirectConf, Prepared> = {
  name: 'redirect',
  version: 0.1,
  priority: 900,
  schema,
  check,
  prepare,
  rewrite(p, ctx) {
    const found = redirectOf(p, ctx);
    if (found === undefined) return undefined;
    let [target] = found;
    const q = target.indexOf('?');
    if (p.encodeUri) {
      target = q < 0 ? uriSafeEncode(target) : uriSafeEncode(target.slice(0, q)) + target.slice(q);
    }
    // nginx's $is_args is "?" only for a non-empty query.
    const args = p.appendQueryString ? ctx.var('args') : undefined;
    if (args !== undefined && args !== '') target += `${q < 0 ? '?' : '&'}${args}`;
    return { status: found[1], headers: { Location: target } };
  },
};

export default plugin;
