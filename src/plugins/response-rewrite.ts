import { compileExpr, exprError } from '../core/expr/compile.js';
import type { RequestVars } from '../core/expr/request-vars.js';
import type { PluginContext, PluginDefinition, PluginEnv } from '../plugin/types.js';
import { checkFilters, compileBodyFilters, type FilterConf } from './lib/body-filters.js';
import {
  checkFlatHeaders,
  FLAT_HEADERS_SCHEMA,
  isOperationsForm,
  REMOVE_HEADERS_SCHEMA,
} from './lib/header-conf.js';
import { compileTemplate, type Template } from './lib/template.js';

/**
 * response-rewrite (spec §2.4): changes the response — status, body (a fixed one, or regex
 * `filters` over the upstream's), headers — when the `vars` condition holds. It works in the
 * filters, so it also rewrites responses that a plugin ended (a 401 of key-auth).
 */

const schema = {
  type: 'object',
  properties: {
    max_resp_body_size: { type: 'integer', minimum: 1, default: 67108864 },
    headers: {
      anyOf: [
        FLAT_HEADERS_SCHEMA,
        {
          properties: {
            add: {
              type: 'array',
              minItems: 1,
              items: { type: 'string', pattern: '^[^:]+:[^:]*[^/]$' },
            },
            set: FLAT_HEADERS_SCHEMA,
            remove: REMOVE_HEADERS_SCHEMA,
          },
        },
      ],
    },
    body: { type: 'string' },
    body_base64: { type: 'boolean', default: false },
    status_code: { type: 'integer', minimum: 200, maximum: 598 },
    vars: { type: 'array' },
    filters: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['regex', 'replace'],
        properties: {
          regex: { type: 'string', minLength: 1 },
          scope: { type: 'string', enum: ['once', 'global'], default: 'once' },
          replace: { type: 'string' },
          options: { type: 'string', default: 'jo' },
        },
      },
    },
  },
  dependencies: {
    body: { not: { required: ['filters'] } },
    filters: { not: { required: ['body'] } },
  },
};

interface ResponseRewriteConf {
  max_resp_body_size: number;
  headers?: Record<string, unknown>;
  body?: string;
  body_base64: boolean;
  status_code?: number;
  vars?: unknown[];
  filters?: FilterConf[];
}

type HeaderOp = readonly [name: string, value: Template];

interface Prepared {
  readonly match: ((vars: RequestVars) => boolean) | undefined;
  readonly status: number | undefined;
  readonly body: Buffer | undefined;
  readonly filter: ((body: Buffer, encoding: string | undefined) => Buffer) | undefined;
  readonly maxBodySize: number;
  readonly add: readonly HeaderOp[];
  readonly set: readonly HeaderOp[];
  readonly remove: readonly string[];
  /** ctx.data key of this conf's per-request state (a route and a global rule both may run). */
  readonly key: string;
}

/** Per request, between headerFilter and bodyFilter. */
interface BodyState {
  encoding: string | undefined;
  chunks: Buffer[];
  bytes: number;
  done: boolean;
}

/** nginx's `ngx.decode_base64`: undefined for what nginx refuses (a bad character, a length of 4n+1). */
function decodeBase64(text: string): Buffer | undefined {
  const end = text.indexOf('=');
  const data = end < 0 ? text : text.slice(0, end);
  if (!/^[A-Za-z0-9+/]*$/.test(data) || data.length % 4 === 1) return undefined;
  return Buffer.from(data, 'base64');
}

function check(conf: ResponseRewriteConf): string | undefined {
  if (conf.headers !== undefined && !isOperationsForm(conf.headers)) {
    const err = checkFlatHeaders(conf.headers, false);
    if (err !== undefined) return err;
  }
  if (conf.body_base64) {
    if (conf.body === undefined || conf.body === '' || decodeBase64(conf.body) === undefined) {
      return 'invalid base64 content';
    }
  }
  if (conf.vars !== undefined) {
    const err = exprError(conf.vars);
    if (err !== undefined) return `failed to validate the 'vars' expression: ${err}`;
  }
  return conf.filters === undefined ? undefined : checkFilters(conf.filters);
}

const ADD_ENTRY = /^([^:\s]+)\s*:\s*([^:]+)$/;

function toOps(map: unknown): HeaderOp[] {
  if (map === null || typeof map !== 'object') return [];
  return Object.entries(map as Record<string, string | number>).map(([name, value]) => [
    name,
    compileTemplate(String(value)),
  ]);
}

// An `add` entry the schema lets through but APISIX cannot split ("X A: b") makes APISIX skip
// every header operation of the conf; so does this.
function headerOps(headers: Readonly<Record<string, unknown>> | undefined): {
  add: HeaderOp[];
  set: HeaderOp[];
  remove: string[];
} {
  const none = { add: [], set: [], remove: [] };
  if (headers === undefined) return none;
  if (!isOperationsForm(headers)) return { ...none, set: toOps(headers) };
  const add: HeaderOp[] = [];
  for (const entry of Array.isArray(headers['add']) ? (headers['add'] as string[]) : []) {
    const m = ADD_ENTRY.exec(entry);
    if (m === null) return none;
    add.push([m[1] ?? '', compileTemplate(m[2] ?? '')]);
  }
  const remove = Array.isArray(headers['remove']) ? (headers['remove'] as string[]) : [];
  return { add, set: toOps(headers['set']), remove };
}

let instances = 0;

function prepare(conf: ResponseRewriteConf, env: PluginEnv): Prepared {
  instances += 1;
  const body =
    conf.body === undefined
      ? undefined
      : conf.body_base64
        ? decodeBase64(conf.body)
        : Buffer.from(conf.body);
  return {
    match: conf.vars === undefined ? undefined : compileExpr(conf.vars),
    status: conf.status_code,
    body,
    filter:
      conf.filters === undefined
        ? undefined
        : compileBodyFilters(conf.filters, env.logger, conf.max_resp_body_size),
    maxBodySize: conf.max_resp_body_size,
    ...headerOps(conf.headers),
    key: `response-rewrite#${instances}`,
  };
}

const BODY_HEADERS = ['content-length', 'content-encoding', 'last-modified', 'etag'];
const EMPTY = Buffer.alloc(0);

function rewriteHeaders(p: Prepared, ctx: PluginContext): void {
  for (const [name, value] of p.add) ctx.response.addHeader(name, value(ctx));
  for (const [name, value] of p.set) ctx.response.setHeader(name, value(ctx));
  for (const name of p.remove) ctx.response.setHeader(name, undefined);
}

function headerFilter(p: Prepared, ctx: PluginContext): void {
  if (p.match !== undefined && !p.match({ get: (name) => ctx.var(name) })) return;
  if (p.status !== undefined) ctx.response.status = p.status;
  if (p.body !== undefined || p.filter !== undefined) {
    const encoding = ctx.response.header('content-encoding');
    for (const name of BODY_HEADERS) ctx.response.setHeader(name, undefined);
    if (p.body !== undefined) ctx.response.replaceBody(p.body);
    else ctx.data.set(p.key, { encoding, chunks: [], bytes: 0, done: false } satisfies BodyState);
  }
  rewriteHeaders(p, ctx);
}

function bodyFilter(p: Prepared, ctx: PluginContext, chunk: Buffer, last: boolean): Buffer {
  if (p.filter === undefined) return chunk;
  const state = ctx.data.get(p.key) as BodyState | undefined;
  if (state === undefined) return chunk;
  if (state.done) return EMPTY;
  if (chunk.length > 0) {
    state.chunks.push(chunk);
    state.bytes += chunk.length;
  }
  const full = state.bytes >= p.maxBodySize;
  if (!full && !last) return EMPTY;
  state.done = true;
  const body = Buffer.concat(state.chunks, Math.min(state.bytes, p.maxBodySize));
  state.chunks = [];
  return p.filter(body, state.encoding);
}

const plugin: PluginDefinition<ResponseRewriteConf, Prepared> = {
  name: 'response-rewrite',
  version: 0.1,
  priority: 899,
  schema,
  check,
  prepare,
  // Only `filters` read the body: other confs leave it streaming, its Content-Length kept.
  uses: (p, hook) => hook !== 'bodyFilter' || p.filter !== undefined,
  headerFilter,
  bodyFilter,
};

export default plugin;
