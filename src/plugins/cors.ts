import type {
  PluginContext,
  PluginDefinition,
  PluginResponse,
  ResponseView,
} from '../plugin/types.js';
import { checkPcreRules, compileAnyRule } from './lib/pcre-rules.js';

/**
 * cors: answers every OPTIONS request with 200 in the rewrite phase (before auth and limits),
 * and adds the CORS headers to every response of the route in header_filter, rejections by
 * other plugins included. An origin that is not allowed gets no CORS header; the request is not
 * refused.
 */

interface CorsConf {
  allow_origins: string;
  allow_methods: string;
  allow_headers: string;
  expose_headers?: string;
  max_age: number;
  allow_credential: boolean;
  allow_origins_by_regex?: string[];
  allow_origins_by_metadata?: string[];
  timing_allow_origins?: string;
  timing_allow_origins_by_regex?: string[];
}

/** An `allow_origins` value, read once: `*`, `**`, a comma list, or one origin. */
type Origins =
  | { readonly kind: 'any' }
  | { readonly kind: 'echo' }
  | { readonly kind: 'list'; readonly set: ReadonlySet<string> }
  | { readonly kind: 'one'; readonly origin: string };

interface Prepared {
  readonly origins: Origins;
  /** `allow_origins` is not `*`: responses vary by Origin. */
  readonly vary: boolean;
  readonly byRegex: ((origin: string) => boolean) | undefined;
  readonly byMetadata: readonly string[] | undefined;
  readonly timingOrigins: Origins | undefined;
  readonly timingByRegex: ((origin: string) => boolean) | undefined;
  readonly methods: string;
  readonly maxAge: string;
  readonly exposeHeaders: string | undefined;
  /** undefined: echo the request's Access-Control-Request-Headers (`**`). */
  readonly allowHeaders: string | undefined;
  readonly credentials: boolean;
}

const ORIGINS_PATTERN = '^(\\*|\\*\\*|null|\\w+://[^,]+(,\\w+://[^,]+)*)$';
const ALL_METHODS = 'GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS,CONNECT,TRACE';
const STRINGS_SCHEMA = {
  type: 'array',
  items: { type: 'string', minLength: 1, maxLength: 4096 },
  minItems: 1,
  uniqueItems: true,
};
const PREFLIGHT: PluginResponse = { status: 200, body: '' };
/** ctx.data key: the Origin as the request came, before any plugin edited request headers. */
const ORIGIN_KEY = 'cors.origin';

function readOrigins(text: string): Origins {
  if (text === '*') return { kind: 'any' };
  if (text === '**') return { kind: 'echo' };
  if (text.includes(',')) return { kind: 'list', set: new Set(text.split(',').filter(Boolean)) };
  return { kind: 'one', origin: text };
}

/** The value of the allow header these origins give for the request's origin, if any. */
function allowedBy(origins: Origins, origin: string | undefined): string | undefined {
  switch (origins.kind) {
    case 'any':
      return '*';
    case 'echo':
      return origin ?? '*';
    case 'list':
      return origin !== undefined && origins.set.has(origin) ? origin : undefined;
    case 'one':
      return origins.origin;
  }
}

// APISIX compares the two possibly-absent values with Lua's `==`: absent equals absent.
function grants(origin: string | undefined, allowed: string | undefined): boolean {
  return allowed === origin || allowed === '*';
}

// plugin_metadata versions are new objects: each is read once, then dropped with it.
const metadataOrigins = new WeakMap<object, Map<string, Origins>>();

function originsOfMetadata(ctx: PluginContext): Map<string, Origins> | undefined {
  const metadata = ctx.env.metadata('cors');
  const map = metadata?.allow_origins as Readonly<Record<string, string>> | undefined;
  if (map === undefined) return undefined;
  let read = metadataOrigins.get(map);
  if (read === undefined) {
    read = new Map(Object.entries(map).map(([key, text]) => [key, readOrigins(text)]));
    metadataOrigins.set(map, read);
  }
  return read;
}

/** The request's origin when one of the metadata entries named by the conf allows it. */
function allowedByMetadata(p: Prepared, ctx: PluginContext, origin: string | undefined) {
  if (p.byMetadata === undefined) return undefined;
  const all = originsOfMetadata(ctx);
  if (all === undefined) return undefined;
  for (const key of p.byMetadata) {
    const origins = all.get(key);
    if (origins !== undefined && grants(origin, allowedBy(origins, origin))) return origin;
  }
  return undefined;
}

function allowedOrigin(p: Prepared, ctx: PluginContext, origin: string | undefined) {
  let allowed: string | undefined;
  // With metadata origins, the conf's own only count when they are not the `*` default.
  let local = true;
  if (p.byMetadata !== undefined) {
    allowed = allowedByMetadata(p, ctx, origin);
    local = !grants(origin, allowed) && p.origins.kind !== 'any';
  }
  if (local) {
    if (p.byRegex === undefined) allowed = allowedBy(p.origins, origin);
    else allowed = origin !== undefined && p.byRegex(origin) ? origin : undefined;
  }
  return grants(origin, allowed) ? allowed : allowedByMetadata(p, ctx, origin);
}

function timingOrigin(p: Prepared, origin: string | undefined): string | undefined {
  let allowed: string | undefined;
  if (p.timingByRegex !== undefined) {
    allowed = origin !== undefined && p.timingByRegex(origin) ? origin : undefined;
  } else if (p.timingOrigins !== undefined) {
    allowed = allowedBy(p.timingOrigins, origin);
  }
  return allowed !== undefined && grants(origin, allowed) ? allowed : undefined;
}

function setCorsHeaders(p: Prepared, ctx: PluginContext, res: ResponseView, allowed: string) {
  res.setHeader('Access-Control-Allow-Origin', allowed);
  res.setHeader('Access-Control-Allow-Methods', p.methods);
  res.setHeader('Access-Control-Max-Age', p.maxAge);
  if (p.exposeHeaders !== undefined) {
    res.setHeader('Access-Control-Expose-Headers', p.exposeHeaders);
  }
  res.setHeader(
    'Access-Control-Allow-Headers',
    p.allowHeaders ?? ctx.header('access-control-request-headers'),
  );
  if (p.credentials) res.setHeader('Access-Control-Allow-Credentials', 'true');
}

const STAR_WITH_CREDENTIALS =
  "you can not set '*' for other option when 'allow_credential' is true";

const plugin: PluginDefinition<CorsConf, Prepared> = {
  name: 'cors',
  version: 0.1,
  priority: 4000,
  schema: {
    type: 'object',
    properties: {
      allow_origins: { type: 'string', pattern: ORIGINS_PATTERN, default: '*' },
      allow_methods: { type: 'string', default: '*' },
      allow_headers: { type: 'string', default: '*' },
      expose_headers: { type: 'string' },
      max_age: { type: 'integer', default: 5 },
      allow_credential: { type: 'boolean', default: false },
      allow_origins_by_regex: STRINGS_SCHEMA,
      allow_origins_by_metadata: STRINGS_SCHEMA,
      timing_allow_origins: { type: 'string', pattern: ORIGINS_PATTERN },
      timing_allow_origins_by_regex: STRINGS_SCHEMA,
    },
  },
  metadataSchema: {
    type: 'object',
    properties: {
      allow_origins: {
        type: 'object',
        additionalProperties: { type: 'string', pattern: ORIGINS_PATTERN },
      },
    },
  },

  check(conf, kind) {
    if (kind === 'metadata') return undefined;
    const starred = [
      conf.allow_origins,
      conf.allow_methods,
      conf.allow_headers,
      conf.expose_headers,
      conf.timing_allow_origins,
    ];
    if (conf.allow_credential && starred.includes('*')) return STAR_WITH_CREDENTIALS;
    return (
      checkPcreRules(conf.allow_origins_by_regex) ??
      checkPcreRules(conf.timing_allow_origins_by_regex)
    );
  },

  prepare(conf) {
    const regex = (rules: string[] | undefined) =>
      rules === undefined ? undefined : compileAnyRule(rules, false);
    return {
      origins: readOrigins(conf.allow_origins),
      vary: conf.allow_origins !== '*',
      byRegex: regex(conf.allow_origins_by_regex),
      byMetadata: conf.allow_origins_by_metadata,
      timingOrigins:
        conf.timing_allow_origins === undefined
          ? undefined
          : readOrigins(conf.timing_allow_origins),
      timingByRegex: regex(conf.timing_allow_origins_by_regex),
      methods: conf.allow_methods === '**' ? ALL_METHODS : conf.allow_methods,
      maxAge: String(conf.max_age),
      exposeHeaders: conf.expose_headers === '' ? undefined : conf.expose_headers,
      allowHeaders: conf.allow_headers === '**' ? undefined : conf.allow_headers,
      credentials: conf.allow_credential,
    };
  },

  rewrite(_p, ctx) {
    ctx.data.set(ORIGIN_KEY, ctx.header('origin'));
    return ctx.method === 'OPTIONS' ? PREFLIGHT : undefined;
  },

  headerFilter(p, ctx) {
    const origin = ctx.data.has(ORIGIN_KEY)
      ? (ctx.data.get(ORIGIN_KEY) as string | undefined)
      : ctx.header('origin');
    const res = ctx.response;
    const allowed = allowedOrigin(p, ctx, origin);
    if (p.vary) res.addHeader('Vary', 'Origin');
    if (allowed !== undefined) setCorsHeaders(p, ctx, res, allowed);
    const timing = timingOrigin(p, origin);
    if (timing !== undefined) res.setHeader('Timing-Allow-Origin', timing);
  },
};

export default plugin;
