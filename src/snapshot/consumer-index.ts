import type { Logger } from '../core/logger.js';
import { withSchemaDefaults } from '../core/schema.js';
import { holdsSecretRef } from '../core/secret-ref.js';
import { SecretRefResolver } from '../core/secret-resolver.js';
import type { GroupSource } from '../plugin/chain-builder.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { Consumer, ConsumerDirectory, ConsumerMatch } from '../plugin/types.js';
import type { LoadedItem } from './types.js';

const CREDENTIALS = '/credentials/';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** What the index reads from the state. */
export interface ConsumerItems {
  items(dir: string): LoadedItem[];
  item(dir: string, id: string): LoadedItem | undefined;
  readonly plugins: PluginRegistry;
  readonly logger: Logger;
}

/**
 * Consumers, their credentials and groups, indexed for the auth plugins (spec §1.9): per auth
 * plugin, the value of its identifying attribute → consumer and conf. Consumer changes are
 * rare, so a change marks the index stale and the next lookup rebuilds it (one pass over the
 * consumers and credentials), instead of keeping a per-event bookkeeping.
 */
export class ConsumerIndex implements ConsumerDirectory {
  readonly #source: ConsumerItems;
  readonly #secrets: SecretRefResolver;
  #byPlugin: Map<string, Map<string, ConsumerMatch>> | undefined;
  #byName: Map<string, Consumer> | undefined;

  constructor(source: ConsumerItems) {
    this.#source = source;
    this.#secrets = new SecretRefResolver(source.logger);
  }

  /** consumers, credentials or the plugin set changed. */
  invalidate(): void {
    this.#byPlugin = undefined;
    this.#byName = undefined;
  }

  find(plugin: string, value: string): ConsumerMatch | undefined {
    if (this.#byPlugin === undefined) this.#build();
    return this.#byPlugin!.get(plugin)?.get(value);
  }

  byName(username: string): Consumer | undefined {
    if (this.#byName === undefined) this.#build();
    return this.#byName!.get(username);
  }

  /** The consumer's group for the merge, or undefined (none, or missing). */
  group(consumer: Consumer): GroupSource | undefined {
    if (consumer.groupId === undefined) return undefined;
    const item = this.#source.item('consumer_groups', consumer.groupId);
    if (item === undefined) return undefined;
    const plugins = isObject(item.value.plugins) ? item.value.plugins : {};
    return { key: item.key, modRevision: item.modRevision, plugins };
  }

  #build(): void {
    const registry = this.#source.plugins;
    const byName = new Map<string, Consumer>();
    const byPlugin = new Map<string, Map<string, ConsumerMatch>>();
    const add = (consumer: Consumer, plugins: unknown, credentialId: string | undefined): void => {
      if (!isObject(plugins)) return;
      for (const [name, conf] of Object.entries(plugins)) {
        const def = registry.get(name);
        const attr = def?.consumerKey;
        if (def === undefined || attr === undefined || !isObject(conf)) continue;
        const resolved = this.#secrets.resolve(conf, {
          plugin: name,
          consumer: consumer.username,
          ...(credentialId === undefined ? {} : { credential: credentialId }),
          effect: 'the consumer is skipped by this auth plugin',
        });
        const withDefaults = withSchemaDefaults(def.consumerSchema ?? def.schema, resolved);
        const value = withDefaults[attr];
        // A missing identifying value, or a secret reference left unresolved anywhere in the
        // conf (APISIX consumer.lua): skipped, fail closed, so that no client authenticates
        // with the reference's text.
        if (typeof value !== 'string' || value === '' || holdsSecretRef(resolved)) continue;
        let table = byPlugin.get(name);
        if (table === undefined) byPlugin.set(name, (table = new Map<string, ConsumerMatch>()));
        table.set(value, { consumer, conf: withDefaults, credentialId });
      }
    };
    for (const item of this.#source.items('consumers')) {
      const consumer = consumerOf(item);
      byName.set(consumer.username, consumer);
      add(consumer, item.value.plugins, undefined);
    }
    for (const item of this.#source.items('credentials')) {
      const at = item.id.indexOf(CREDENTIALS);
      const consumer = byName.get(item.id.slice(0, at));
      if (consumer !== undefined) {
        add(consumer, item.value.plugins, item.id.slice(at + CREDENTIALS.length));
      }
    }
    this.#byName = byName;
    this.#byPlugin = byPlugin;
  }
}

function consumerOf(item: LoadedItem): Consumer {
  const v = item.value;
  const labels = isObject(v.labels) ? (v.labels as Record<string, string>) : undefined;
  const groupId =
    typeof v.group_id === 'string' || typeof v.group_id === 'number'
      ? String(v.group_id)
      : undefined;
  return {
    username: typeof v.username === 'string' ? v.username : item.id,
    groupId,
    labels,
    plugins: isObject(v.plugins) ? v.plugins : {},
    key: item.key,
    modRevision: item.modRevision,
  };
}
