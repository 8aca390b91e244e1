import { headerSafe } from '../core/header-value.js';
import type { PluginContext, PluginDefinition } from '../plugin/types.js';
import {
  checkFlatHeaders,
  FLAT_HEADERS_SCHEMA,
  HEADER_NAME,
  isOperationsForm,
  REMOVE_HEADERS_SCHEMA,
} from './lib/header-conf.js';
import { compileSubstitution, type Substitution } from './lib/regex-sub.js';
import {
  compileCaptureTemplate,
  compileTemplate,
  type CaptureTemplate,
  type Captures,
  type Template,
} from './lib/template.js';
import { escapeControlChars, uriSafeEncode } from './lib/uri-encode.js';

/**
 * proxy-rewrite (spec §2.4): rewrites what is sent upstream — path (`uri` template or
 * `regex_uri`), method, Host, request headers. Everything is compiled in `prepare`; a request
 * only resolves variables.
 */

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'HEAD',
  'DELETE',
  'OPTIONS',
  'MKCOL',
  'COPY',
  'MOVE',
  'PROPFIND',
  'LOCK',
  'UNLOCK',
  'PATCH',
  'TRACE',
];

const scalar = { oneOf: [{ type: 'string' }, { type: 'number' }] };
const scalarOrList = {
  oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'array', minItems: 1, items: scalar }],
};
const multiValued = {
  type: 'object',
  minProperties: 1,
  patternProperties: { [HEADER_NAME]: scalarOrList },
};

const schema = {
  type: 'object',
  properties: {
    uri: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^\\/.*' },
    method: { type: 'string', enum: METHODS },
    regex_uri: { type: 'array', minItems: 2, items: { type: 'string' } },
    host: { type: 'string', pattern: '^[0-9a-zA-Z-.]+(:\\d{1,5})?$' },
    headers: {
      oneOf: [
        {
          type: 'object',
          minProperties: 1,
          additionalProperties: false,
          properties: { add: multiValued, set: multiValued, remove: REMOVE_HEADERS_SCHEMA },
        },
        FLAT_HEADERS_SCHEMA,
      ],
    },
    use_real_request_uri_unsafe: { type: 'boolean', default: false },
  },
  minProperties: 1,
};

type HeaderValue = string | number | ReadonlyArray<string | number>;

interface ProxyRewriteConf {
  uri?: string;
  method?: string;
  regex_uri?: string[];
  host?: string;
  headers?: Record<string, unknown>;
  use_real_request_uri_unsafe: boolean;
}

interface HeaderOp {
  readonly name: string;
  readonly values: readonly CaptureTemplate[];
}

interface Prepared {
  readonly uri: Template | undefined;
  readonly regexUri: readonly Substitution[] | undefined;
  readonly unsafe: boolean;
  readonly host: string | undefined;
  readonly method: string | undefined;
  readonly add: readonly HeaderOp[];
  readonly set: readonly HeaderOp[];
  readonly remove: readonly string[];
}

function check(conf: ProxyRewriteConf): string | undefined {
  const regexUri = conf.regex_uri ?? [];
  if (regexUri.length % 2 !== 0) return 'The length of regex_uri should be an even number';
  for (let i = 0; i < regexUri.length; i += 2) {
    const pattern = regexUri[i] ?? '';
    const replacement = regexUri[i + 1] ?? '';
    const sub = compileSubstitution(pattern, replacement);
    if (typeof sub === 'string') return `invalid regex_uri(${pattern}, ${replacement}): ${sub}`;
  }
  if (conf.headers !== undefined && !isOperationsForm(conf.headers)) {
    return checkFlatHeaders(conf.headers, true);
  }
  return undefined;
}

// A value put into a header: control characters in what a variable or capture brought in are
// percent-encoded, so a request cannot inject header lines; wide characters go as UTF-8 bytes.
function headerValue(raw: string | number): CaptureTemplate {
  const text = String(raw);
  if (!text.includes('$')) {
    const fixed = headerSafe(text);
    return () => fixed;
  }
  const tpl = compileCaptureTemplate(text);
  return (src, captures) => headerSafe(tpl(src, captures));
}

// The Host header is not sent from `headers` in APISIX (proxy_set_header Host wins): `host` is
// the way to change it, so a Host entry here does nothing upstream, as there.
function headerOps(map: unknown): HeaderOp[] {
  if (map === null || typeof map !== 'object') return [];
  return Object.entries(map as Record<string, HeaderValue>)
    .filter(([name]) => name.toLowerCase() !== 'host')
    .map(([name, value]) => ({
      name,
      values: (Array.isArray(value) ? value : [value]).map((v: string | number) => headerValue(v)),
    }));
}

function prepare(conf: ProxyRewriteConf): Prepared {
  const headers = conf.headers;
  const operations = headers !== undefined && isOperationsForm(headers);
  const regexUri: Substitution[] = [];
  for (let i = 0; i + 1 < (conf.regex_uri?.length ?? 0); i += 2) {
    const sub = compileSubstitution(conf.regex_uri?.[i] ?? '', conf.regex_uri?.[i + 1] ?? '');
    if (typeof sub === 'string') throw new Error(sub);
    regexUri.push(sub);
  }
  const remove = operations && Array.isArray(headers['remove']) ? headers['remove'] : [];
  return {
    uri:
      conf.uri === undefined
        ? undefined
        : // APISIX escapes the first `?` of each value only (one ngx.re.sub).
          compileTemplate(conf.uri, (v) => v.replace('?', '%3F')),
    regexUri: conf.regex_uri === undefined ? undefined : regexUri,
    unsafe: conf.use_real_request_uri_unsafe,
    host: conf.host,
    method: conf.method,
    add: operations ? headerOps(headers['add']) : [],
    set: headerOps(operations ? headers['set'] : headers),
    remove: (remove as string[]).filter((name) => name.toLowerCase() !== 'host'),
  };
}

/** The path (and query) to send upstream, and the regex captures for header values. */
function rewriteUri(p: Prepared, ctx: PluginContext): Captures | undefined {
  // nginx's $args as edited so far (key-auth hide_credentials removes its argument): the
  // query of what would be sent; empty means no `?` ($is_args is "" for an empty query).
  const pending = ctx.upstreamUri;
  const args = pending.includes('?') ? pending.slice(pending.indexOf('?') + 1) : '';
  let target = ctx.var('uri') ?? ctx.uri;
  let captures: Captures | undefined;
  let query = '';
  // A `?` that a template brought in is already %3F-escaped: what follows a `?` is a query.
  let separatorEscaped = false;
  if (p.unsafe) {
    target = ctx.var('real_request_uri') ?? ctx.var('request_uri') ?? target;
    const q = target.indexOf('?');
    query = q < 0 ? '' : target.slice(q);
  }
  if (p.uri !== undefined) {
    separatorEscaped = true;
    target = p.uri(ctx);
    if (query !== '') target += target.includes('?') ? `&${query.slice(1)}` : query;
  } else if (p.regexUri !== undefined) {
    separatorEscaped = !target.includes('?');
    for (const sub of p.regexUri) {
      const hit = sub.onceWithCaptures(target);
      if (hit !== undefined) {
        captures = hit.captures;
        target = hit.result;
        break;
      }
    }
  }
  if (!p.unsafe) {
    const q = separatorEscaped ? target.indexOf('?') : -1;
    target =
      q < 0
        ? uriSafeEncode(target)
        : uriSafeEncode(target.slice(0, q)) + escapeControlChars(target.slice(q));
    if (args !== '') target += `${q < 0 ? '?' : '&'}${args}`;
  }
  ctx.upstreamUri = target;
  return captures;
}

function rewriteHeaders(p: Prepared, ctx: PluginContext, captures: Captures | undefined): void {
  for (const op of p.add) {
    for (const value of op.values) {
      const v = value(ctx, captures);
      const old = ctx.header(op.name);
      ctx.setHeader(op.name, old === undefined ? v : `${old}, ${v}`);
    }
  }
  for (const op of p.set) {
    ctx.setHeader(op.name, op.values.map((value) => value(ctx, captures)).join(', '));
  }
  for (const name of p.remove) ctx.setHeader(name, undefined);
}

const plugin: PluginDefinition<ProxyRewriteConf, Prepared> = {
  name: 'proxy-rewrite',
  version: 0.1,
  priority: 1008,
  schema,
  check,
  prepare,
  rewrite(p, ctx) {
    if (p.host !== undefined) ctx.setHeader('host', p.host);
    const captures = rewriteUri(p, ctx);
    rewriteHeaders(p, ctx, captures);
    if (p.method !== undefined) ctx.upstreamMethod = p.method;
  },
};

export default plugin;
