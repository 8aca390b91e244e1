import type { PluginContext, PluginDefinition } from '../plugin/types.js';

/**
 * echo (spec §2.4, APISIX `apisix/plugins/echo.lua`): a testing aid that replaces the response
 * body (`body`), wraps it (`before_body`, `after_body`) and sets response `headers`.
 */

interface EchoConf {
  before_body?: string;
  body?: string;
  after_body?: string;
  headers?: Record<string, unknown>;
}

interface PreparedEcho {
  /** `body` with `before_body` and `after_body` around it: sent once, instead of the upstream's. */
  readonly whole: Buffer | undefined;
  readonly before: Buffer | undefined;
  readonly after: Buffer | undefined;
  readonly bodyChanged: boolean;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

const schema = {
  type: 'object',
  properties: {
    before_body: { description: 'body before the filter phase.', type: 'string' },
    body: { description: 'body to replace upstream response.', type: 'string' },
    after_body: { description: 'body after the modification of filter phase.', type: 'string' },
    headers: { description: 'new headers for response', type: 'object', minProperties: 1 },
  },
  anyOf: [{ required: ['before_body'] }, { required: ['body'] }, { required: ['after_body'] }],
  minProperties: 1,
};

// Per request: whether the body (or before_body) went out already.
const STARTED = 'echo:started';
const EMPTY = Buffer.alloc(0);

// Headers that describe the upstream's bytes, wrong once the body changes
// (APISIX core.response.clear_header_as_body_modified).
const BODY_HEADERS = ['content-length', 'content-encoding', 'last-modified', 'etag'];

const buf = (s: string | undefined): Buffer | undefined =>
  s === undefined ? undefined : Buffer.from(s);

const plugin: PluginDefinition<EchoConf, PreparedEcho> = {
  name: 'echo',
  version: 0.1,
  priority: 412,
  schema,

  // APISIX finds a bad header only when a response goes out (and then sets none of them).
  check(conf) {
    for (const [field, value] of Object.entries(conf.headers ?? {})) {
      if (typeof value !== 'string' && typeof value !== 'number') {
        return 'invalid type as header value';
      }
      if (field.length === 0) return 'invalid field length in header';
    }
    return undefined;
  },

  prepare(conf) {
    return {
      whole:
        conf.body === undefined
          ? undefined
          : Buffer.from((conf.before_body ?? '') + conf.body + (conf.after_body ?? '')),
      before: buf(conf.before_body),
      after: buf(conf.after_body),
      bodyChanged:
        conf.body !== undefined || conf.before_body !== undefined || conf.after_body !== undefined,
      headers: Object.entries(conf.headers ?? {}).map(([k, v]) => [k, String(v)] as const),
    };
  },

  headerFilter(p, ctx) {
    if (p.bodyChanged) for (const name of BODY_HEADERS) ctx.response.setHeader(name, undefined);
    for (const [name, value] of p.headers) ctx.response.setHeader(name, value);
  },

  bodyFilter(p, ctx, chunk, last) {
    if (p.whole !== undefined) return replaceOnce(p.whole, ctx);
    let out = chunk;
    if (p.before !== undefined && !ctx.data.has(STARTED)) {
      ctx.data.set(STARTED, true);
      out = Buffer.concat([p.before, out]);
    }
    if (last && p.after !== undefined) out = Buffer.concat([out, p.after]);
    return out;
  },
};

/** The configured body goes out with the first chunk; the upstream's chunks are dropped. */
function replaceOnce(whole: Buffer, ctx: PluginContext): Buffer {
  if (ctx.data.has(STARTED)) return EMPTY;
  ctx.data.set(STARTED, true);
  return whole;
}

export default plugin;
