import type { Logger } from '../core/logger.js';
import { withSchemaDefaults } from '../core/schema.js';
import { SecretRefResolver } from '../core/secret-resolver.js';
import {
  compileMeta,
  EMPTY_CHAIN,
  PluginChain,
  type ChainEntry,
  type PluginSource,
} from './chain.js';
import type { PluginRegistry } from './registry.js';
import type { Consumer, PluginDefinition, PluginEnv } from './types.js';

/** A consumer group as the merge needs it. */
export interface GroupSource {
  readonly key: string;
  readonly modRevision: number;
  readonly plugins: Readonly<Record<string, unknown>>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Stands in for a plugin whose conf failed to prepare: fail closed with a 500. */
function brokenPlugin(def: PluginDefinition<unknown, unknown>): PluginDefinition<unknown, unknown> {
  return {
    name: def.name,
    version: def.version,
    priority: def.priority,
    schema: def.schema,
    rewrite: () => ({ status: 500 }),
  };
}

/**
 * Builds plugin chains for one plugin set (a registry): confs get their secret references
 * resolved and their schema defaults, and are prepared once per conf object — a loaded item's
 * conf object lives as long as that version of the item, so re-composing a route after an
 * upstream change reuses its prepared confs. A plugin reload makes a new builder, and so new
 * preparations.
 */
export class ChainBuilder {
  readonly registry: PluginRegistry;
  readonly #env: PluginEnv;
  readonly #logger: Logger;
  readonly #prepared = new WeakMap<object, ChainEntry>();
  readonly #secrets: SecretRefResolver;

  constructor(registry: PluginRegistry, env: PluginEnv, logger: Logger) {
    this.registry = registry;
    this.#env = env;
    this.#logger = logger;
    this.#secrets = new SecretRefResolver(logger);
  }

  /** The chain of these sources (later sources of a name were already dropped by the caller). */
  build(sources: readonly PluginSource[], fromConsumer?: ReadonlySet<string>): PluginChain {
    if (sources.length === 0) return EMPTY_CHAIN;
    const entries: ChainEntry[] = [];
    for (const source of sources) {
      const entry = this.#entry(source, fromConsumer?.has(source.name) === true);
      if (entry !== undefined) entries.push(entry);
    }
    return entries.length === 0 ? EMPTY_CHAIN : new PluginChain(entries, sources);
  }

  /**
   * All global rules merged into one (APISIX 3.15+): a plugin configured in more than one rule
   * is dropped, with an error logged.
   */
  global(rules: readonly { key: string; modRevision: number; plugins: unknown }[]): PluginChain {
    const seen = new Map<string, PluginSource | null>();
    for (const rule of rules) {
      if (!isObject(rule.plugins)) continue;
      for (const [name, conf] of Object.entries(rule.plugins)) {
        if (!isObject(conf)) continue;
        if (seen.has(name)) {
          this.#logger.error({ plugin: name }, 'plugin in more than one global rule: dropped');
          seen.set(name, null);
          continue;
        }
        seen.set(name, { name, conf, owner: { key: rule.key, version: rule.modRevision } });
      }
    }
    const sources = [...seen.values()].filter((s): s is PluginSource => s !== null);
    return this.build(sources);
  }

  /**
   * The route's chain merged with a consumer's group and then the consumer's own plugins
   * (spec §1.6: Consumer > Consumer Group > Route), cached on the route's chain per consumer
   * version. Auth plugins are never merged (they already ran).
   */
  withConsumer(
    route: PluginChain,
    consumer: Consumer,
    group: GroupSource | undefined,
  ): PluginChain {
    const consumerRev = consumer.modRevision;
    const groupRev = group?.modRevision ?? 0;
    const cached = route.consumerChains.get(consumer.key);
    if (cached?.consumerRev === consumerRev && cached.groupRev === groupRev) return cached.chain;
    const merged = new Map<string, PluginSource>(route.sources.map((s) => [s.name, s]));
    const added = new Set<string>();
    const layer = (
      key: string,
      modRevision: number,
      plugins: Readonly<Record<string, unknown>>,
    ) => {
      for (const [name, conf] of Object.entries(plugins)) {
        const def = this.registry.get(name);
        if (!isObject(conf) || def === undefined || def.type === 'auth') continue;
        if (!merged.has(name)) added.add(name);
        merged.set(name, { name, conf, owner: { key, version: modRevision } });
      }
    };
    if (group !== undefined) layer(group.key, group.modRevision, group.plugins);
    layer(consumer.key, consumer.modRevision, consumer.plugins);
    const chain =
      added.size === 0 && merged.size === route.sources.length && !changed(route, merged)
        ? route
        : this.build([...merged.values()], added);
    route.consumerChains.set(consumer.key, { consumerRev, groupRev, chain });
    return chain;
  }

  #entry(source: PluginSource, fromConsumer: boolean): ChainEntry | undefined {
    const def = this.registry.get(source.name);
    if (def === undefined) return undefined;
    const meta = isObject(source.conf._meta) ? source.conf._meta : undefined;
    if (meta?.disable === true) return undefined;
    const cached = fromConsumer ? undefined : this.#prepared.get(source.conf);
    if (cached !== undefined) return cached;
    // `$env://` references are resolved before the plugin sees its conf (APISIX
    // `resolve_plugin_conf`), once per conf object.
    const resolved = this.#secrets.resolve(source.conf, {
      plugin: def.name,
      owner: source.owner.key,
    });
    const conf = withSchemaDefaults(def.schema, resolved);
    let prepared: unknown = conf;
    let runDef = def;
    try {
      if (def.prepare !== undefined) prepared = def.prepare(conf, this.#env, source.owner);
    } catch (err) {
      this.#logger.error(
        { plugin: def.name, owner: source.owner.key, err },
        'plugin conf failed to prepare',
      );
      runDef = brokenPlugin(def);
    }
    let compiled: ReturnType<typeof compileMeta>;
    try {
      compiled = compileMeta(meta);
    } catch (err) {
      this.#logger.error({ plugin: def.name, owner: source.owner.key, err }, 'bad _meta');
      compiled = compileMeta(undefined);
    }
    const entry: ChainEntry = {
      name: def.name,
      def: runDef,
      conf: prepared,
      priority: compiled.priority ?? def.priority,
      filter: compiled.filter,
      errorResponse: compiled.errorResponse,
      preFunction: compiled.preFunction,
      fromConsumer,
    };
    if (!fromConsumer) this.#prepared.set(source.conf, entry);
    return entry;
  }
}

/** Whether a merge replaced any of the route's confs with another object. */
function changed(route: PluginChain, merged: ReadonlyMap<string, PluginSource>): boolean {
  return route.sources.some((s) => merged.get(s.name)?.conf !== s.conf);
}
