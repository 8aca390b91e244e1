import { compileExpr } from '../core/expr/compile.js';
import type { RequestVars } from '../core/expr/request-vars.js';
import type { ConfOwner, PhaseHook, PluginContext, PluginDefinition } from './types.js';

/** One plugin conf where it was found: the raw conf object (from a loaded item) and its owner. */
export interface PluginSource {
  readonly name: string;
  readonly conf: Readonly<Record<string, unknown>>;
  readonly owner: ConfOwner;
}

type PreFunction = (conf: unknown, ctx: PluginContext) => unknown;

/** One plugin of a chain: its definition, prepared conf and `_meta`, compiled once. */
export interface ChainEntry {
  readonly name: string;
  readonly def: PluginDefinition<unknown, unknown>;
  /** What `prepare` made of the conf (the conf with defaults when the plugin has no prepare). */
  readonly conf: unknown;
  /** `_meta.priority`, else the plugin's. */
  readonly priority: number;
  /** `_meta.filter`, compiled; undefined = always. */
  readonly filter: ((vars: RequestVars) => boolean) | undefined;
  /** `_meta.error_response`. */
  readonly errorResponse: string | Readonly<Record<string, unknown>> | undefined;
  /** `_meta.pre_function`, compiled. */
  readonly preFunction: PreFunction | undefined;
  /** Added by a consumer or consumer group (its rewrite runs after authentication). */
  readonly fromConsumer: boolean;
}

const byPriority = (a: ChainEntry, b: ChainEntry): number => b.priority - a.priority;

function withHook(entries: readonly ChainEntry[], hook: PhaseHook): ChainEntry[] {
  return entries.filter(
    (e) => typeof e.def[hook] === 'function' && (e.def.uses?.(e.conf, hook) ?? true),
  );
}

/**
 * The sorted plugins of a route, a merged global rule, or a route merged with a consumer:
 * built once per config version (never per request) with the entries of each phase
 * pre-selected, so a request only walks short arrays.
 */
export class PluginChain {
  readonly entries: readonly ChainEntry[];
  readonly rewrite: readonly ChainEntry[];
  readonly access: readonly ChainEntry[];
  readonly beforeProxy: readonly ChainEntry[];
  readonly headerFilter: readonly ChainEntry[];
  readonly bodyFilter: readonly ChainEntry[];
  readonly log: readonly ChainEntry[];
  readonly empty: boolean;
  readonly #names: ReadonlySet<string>;
  /** The sources it was built from (merging a consumer starts from them). */
  readonly sources: readonly PluginSource[];
  /** Chains of this route merged with a consumer, by consumer key. */
  readonly consumerChains = new Map<
    string,
    { consumerRev: number; groupRev: number; chain: PluginChain }
  >();

  constructor(entries: ChainEntry[], sources: readonly PluginSource[]) {
    entries.sort(byPriority);
    this.entries = entries;
    this.sources = sources;
    this.rewrite = withHook(entries, 'rewrite');
    this.access = withHook(entries, 'access');
    this.beforeProxy = withHook(entries, 'beforeProxy');
    this.headerFilter = withHook(entries, 'headerFilter');
    this.bodyFilter = withHook(entries, 'bodyFilter');
    this.log = withHook(entries, 'log');
    this.empty = entries.length === 0;
    this.#names = new Set(entries.map((e) => e.name));
  }

  has(name: string): boolean {
    return this.#names.has(name);
  }
}

export const EMPTY_CHAIN = new PluginChain([], []);

/** `_meta` parts of an entry, compiled (invalid ones were refused by the Admin API). */
export function compileMeta(
  meta: Readonly<Record<string, unknown>> | undefined,
): Pick<ChainEntry, 'filter' | 'errorResponse' | 'preFunction'> & { priority?: number } {
  if (meta === undefined) {
    return { filter: undefined, errorResponse: undefined, preFunction: undefined };
  }
  let filter: ChainEntry['filter'];
  if (Array.isArray(meta.filter)) {
    try {
      filter = compileExpr(meta.filter);
    } catch {
      // APISIX: an expression that fails at run time lets the plugin run.
      filter = undefined;
    }
  }
  const er = meta.error_response;
  const errorResponse =
    typeof er === 'string' || (er !== null && typeof er === 'object' && !Array.isArray(er))
      ? (er as ChainEntry['errorResponse'])
      : undefined;
  let preFunction: PreFunction | undefined;
  if (typeof meta.pre_function === 'string') {
    // Checked by the Admin API (code-fields.ts); compiled once per config version, here.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const make = new Function(`"use strict"; return (${meta.pre_function});`) as () => unknown;
    preFunction = make() as PreFunction;
  }
  const out: ReturnType<typeof compileMeta> = { filter, errorResponse, preFunction };
  if (typeof meta.priority === 'number') out.priority = meta.priority;
  return out;
}
