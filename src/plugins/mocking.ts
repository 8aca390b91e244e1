import type {
  PluginContext,
  PluginDefinition,
  PluginEnv,
  PluginResponse,
} from '../plugin/types.js';
import { objectGenerator, toXml } from './lib/mock-document.js';
import { FLAT_HEADERS_SCHEMA } from './lib/header-conf.js';
import { compileTemplate, type Template } from './lib/template.js';

/**
 * mocking (spec §2.4, APISIX `apisix/plugins/mocking.lua`): answers in the access phase with a
 * fixed example or a random document drawn from a JSON schema, without calling the upstream.
 */

interface MockingConf {
  delay: number;
  response_status: number;
  content_type: string;
  response_example?: string;
  response_schema?: Record<string, unknown>;
  with_mock_header: boolean;
  response_headers?: Record<string, string | number>;
}

type Headers = Record<string, string | string[]>;

interface PreparedMocking {
  readonly status: number;
  readonly delayMs: number;
  readonly body: Template;
  /** Headers without variables, built once; the response's own when `dynamic` is empty. */
  readonly headers: Readonly<Headers>;
  readonly dynamic: ReadonlyArray<readonly [string, Template]>;
}

const schema = {
  type: 'object',
  properties: {
    delay: { type: 'integer', default: 0 },
    response_status: { type: 'integer', default: 200, minimum: 100 },
    content_type: { type: 'string', default: 'application/json;charset=utf8' },
    response_example: { type: 'string' },
    response_schema: { type: 'object' },
    with_mock_header: { type: 'boolean', default: true },
    response_headers: FLAT_HEADERS_SCHEMA,
  },
  anyOf: [{ required: ['response_example'] }, { required: ['response_schema'] }],
};

const SUPPORTED_TYPES = new Set([
  'application/xml',
  'application/json',
  'text/plain',
  'text/html',
  'text/xml',
]);

/** The media type: what comes before the last `;` of a printable-ASCII run, as APISIX reads it. */
function mediaType(contentType: string): string {
  // APISIX matches `([ -~]*);[ -~]*`; as a JS regex that backtracks quadratically on a long
  // value without a `;` (minutes for 1 MB). Same answer, linear: the first run of printable
  // characters that holds a `;`, up to its last `;` (the greedy capture).
  for (const run of contentType.split(/[^ -~]/)) {
    const semicolon = run.lastIndexOf(';');
    if (semicolon !== -1) return run.slice(0, semicolon);
  }
  return contentType;
}

/** The response body: the example (a template), else a document drawn from the schema. */
function bodyOf(conf: MockingConf, env: PluginEnv): Template {
  if (conf.response_example !== undefined) return compileTemplate(conf.response_example);
  const draw = objectGenerator(conf.response_schema ?? {});
  const type = mediaType(conf.content_type);
  if (type === 'application/xml' || type === 'text/xml') return () => toXml(draw());
  if (type === 'application/json' || type === 'text/plain') return () => JSON.stringify(draw());
  env.logger.error(
    { plugin: 'mocking', content_type: conf.content_type },
    'json schema body only support xml and json content type',
  );
  return () => '';
}

/** Adds a value the way `core.response.add_header` does: a repeated name gets both. */
function addHeader(headers: Headers, name: string, value: string): void {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
  const old = headers[key];
  headers[key] = old === undefined ? value : [...(Array.isArray(old) ? old : [old]), value];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const plugin: PluginDefinition<MockingConf, PreparedMocking> = {
  name: 'mocking',
  version: 0.1,
  priority: 10900,
  schema,

  check(conf) {
    return SUPPORTED_TYPES.has(mediaType(conf.content_type))
      ? undefined
      : 'unsupported content type!';
  },

  prepare(conf, env) {
    const headers: Headers = { 'Content-Type': conf.content_type };
    // APISIX says APISIX/<version>; Gatehouse names itself, as its Server header does.
    if (conf.with_mock_header) headers['x-mock-by'] = `Gatehouse/${env.version}`;
    const dynamic: Array<readonly [string, Template]> = [];
    for (const [name, value] of Object.entries(conf.response_headers ?? {})) {
      const text = String(value);
      if (text.includes('$')) dynamic.push([name, compileTemplate(text)]);
      else addHeader(headers, name, text);
    }
    return {
      status: conf.response_status,
      delayMs: conf.delay * 1000,
      body: bodyOf(conf, env),
      headers,
      dynamic,
    };
  },

  access(p, ctx) {
    if (p.delayMs <= 0) return respond(p, ctx);
    return sleep(p.delayMs).then(() => respond(p, ctx));
  },
};

function respond(p: PreparedMocking, ctx: PluginContext): PluginResponse {
  let headers = p.headers;
  if (p.dynamic.length > 0) {
    const copy: Headers = { ...p.headers }; // addHeader never edits a value array in place
    for (const [name, template] of p.dynamic) addHeader(copy, name, template(ctx));
    headers = copy;
  }
  return { status: p.status, body: p.body(ctx), headers };
}

export default plugin;
