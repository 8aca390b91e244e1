import { compileExpr, exprError } from '../core/expr/compile.js';
import type { PluginContext, PluginDefinition, PluginResponse } from '../plugin/types.js';
import { FLAT_HEADERS_SCHEMA } from './lib/header-conf.js';
import { compileTemplate, type Template } from './lib/template.js';

/**
 * fault-injection (spec §2.4, APISIX `apisix/plugins/fault-injection.lua`): in the rewrite
 * phase, delays a share of requests and/or answers a share of them itself, optionally only for
 * requests that match `vars`.
 */

type Vars = unknown[][];

interface FaultConf {
  abort?: {
    http_status: number;
    body?: string;
    headers?: Record<string, string | number>;
    percentage?: number;
    vars?: Vars;
  };
  delay?: { duration: number; percentage?: number; vars?: Vars };
}

/** Whether a request is chosen: its `vars` match and it falls in `percentage`. */
type Selector = (ctx: PluginContext) => boolean;

interface PreparedFault {
  readonly abort:
    | {
        readonly selected: Selector;
        readonly status: number;
        readonly body: Template | undefined;
        readonly headers: ReadonlyArray<readonly [string, Template]>;
      }
    | undefined;
  readonly delay: { readonly selected: Selector; readonly ms: number } | undefined;
}

const varsSchema = { type: 'array', maxItems: 20, items: { type: 'array' } };
const percentage = { type: 'integer', minimum: 0, maximum: 100 };

const schema = {
  type: 'object',
  properties: {
    abort: {
      type: 'object',
      properties: {
        http_status: { type: 'integer', minimum: 200 },
        body: { type: 'string', minLength: 0 },
        headers: FLAT_HEADERS_SCHEMA,
        percentage,
        vars: varsSchema,
      },
      required: ['http_status'],
    },
    delay: {
      type: 'object',
      properties: { duration: { type: 'number', minimum: 0 }, percentage, vars: varsSchema },
      required: ['duration'],
    },
  },
  minProperties: 1,
};

/** `vars` is a list of expressions, any of which may match; an empty list matches nothing. */
function varsMatcher(vars: Vars | undefined): Selector | undefined {
  if (vars === undefined) return undefined;
  const exprs = vars.map((rule) => compileExpr(rule));
  return (ctx) => {
    const source = { get: (name: string) => ctx.var(name) };
    return exprs.some((match) => match(source));
  };
}

/** A request is sampled in with `percentage` % probability (all of them without one). */
function selector(vars: Vars | undefined, pct: number | undefined): Selector {
  const matches = varsMatcher(vars);
  const sampled = (): boolean => pct === undefined || Math.floor(Math.random() * 100) < pct;
  if (matches === undefined) return sampled;
  return (ctx) => matches(ctx) && sampled();
}

const plugin: PluginDefinition<FaultConf, PreparedFault> = {
  name: 'fault-injection',
  version: 0.1,
  priority: 11000,
  schema,

  check(conf) {
    for (const rule of [...(conf.abort?.vars ?? []), ...(conf.delay?.vars ?? [])]) {
      const err = exprError(rule);
      if (err !== undefined) return err;
    }
    return undefined;
  },

  prepare(conf) {
    const { abort, delay } = conf;
    return {
      abort:
        abort === undefined
          ? undefined
          : {
              selected: selector(abort.vars, abort.percentage),
              status: abort.http_status,
              body: abort.body === undefined ? undefined : compileTemplate(abort.body),
              headers: Object.entries(abort.headers ?? {}).map(
                ([name, value]) => [name, compileTemplate(String(value))] as const,
              ),
            },
      delay:
        delay === undefined
          ? undefined
          : { selected: selector(delay.vars, delay.percentage), ms: delay.duration * 1000 },
    };
  },

  rewrite(p, ctx) {
    const delay = p.delay;
    if (delay === undefined || !delay.selected(ctx)) return abortIf(p.abort, ctx);
    return new Promise<PluginResponse | undefined>((resolve) => {
      setTimeout(() => resolve(abortIf(p.abort, ctx)), delay.ms);
    });
  },
};

function abortIf(abort: PreparedFault['abort'], ctx: PluginContext): PluginResponse | undefined {
  if (abort === undefined || !abort.selected(ctx)) return undefined;
  const out: { status: number; body?: string; headers?: Record<string, string> } = {
    status: abort.status,
  };
  if (abort.body !== undefined) out.body = abort.body(ctx);
  if (abort.headers.length > 0) {
    out.headers = {};
    for (const [name, template] of abort.headers) out.headers[name] = template(ctx);
  }
  return out;
}

export default plugin;
