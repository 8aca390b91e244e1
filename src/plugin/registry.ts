import { GatehouseError } from '../core/errors.js';
import type { PluginDefinition } from './types.js';

/**
 * The set of enabled plugins, sorted by priority (highest first), checked at construction:
 * a duplicate name or priority is a start-up error (STYLE.md habit 2).
 *
 * @example
 *   const registry = new PluginRegistry(builtins, config.plugins);
 *   registry.get('key-auth')?.schema;
 */
export class PluginRegistry {
  readonly #byName = new Map<string, PluginDefinition>();
  readonly #sorted: readonly PluginDefinition[];
  /** Names in config.yaml's `plugins` that no available definition provides. */
  readonly missing: readonly string[];

  constructor(available: readonly PluginDefinition[], enabledNames: readonly string[]) {
    const availableByName = new Map<string, PluginDefinition>();
    for (const def of available) {
      if (availableByName.has(def.name)) {
        throw new GatehouseError('GH_ERR_PLUGIN_INVALID', `plugin '${def.name}' is defined twice`);
      }
      availableByName.set(def.name, def);
    }
    const missing: string[] = [];
    const byPriority = new Map<number, string>();
    for (const name of enabledNames) {
      const def = availableByName.get(name);
      if (def === undefined) {
        missing.push(name);
        continue;
      }
      const clash = byPriority.get(def.priority);
      if (clash !== undefined && clash !== name) {
        throw new GatehouseError(
          'GH_ERR_PLUGIN_INVALID',
          `plugins '${clash}' and '${name}' have the same priority ${def.priority}`,
        );
      }
      byPriority.set(def.priority, name);
      this.#byName.set(name, def);
    }
    this.missing = missing;
    this.#sorted = [...this.#byName.values()].sort((a, b) => b.priority - a.priority);
  }

  get(name: string): PluginDefinition | undefined {
    return this.#byName.get(name);
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** Enabled plugins, highest priority first. */
  list(): readonly PluginDefinition[] {
    return this.#sorted;
  }
}
