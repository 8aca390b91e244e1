import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GatehouseError } from '../core/errors.js';
import type { PluginDefinition } from './types.js';

const HOOKS = [
  'check',
  'prepare',
  'init',
  'destroy',
  'rewrite',
  'access',
  'beforeProxy',
  'headerFilter',
  'bodyFilter',
  'log',
] as const;

/** The problem with a module's default export as a plugin, or undefined. */
function shapeError(def: unknown): string | undefined {
  if (def === null || typeof def !== 'object') return 'the default export is not an object';
  const d = def as Record<string, unknown>;
  if (typeof d.name !== 'string' || d.name === '') return "'name' must be a non-empty string";
  if (typeof d.version !== 'number') return "'version' must be a number";
  if (typeof d.priority !== 'number' || !Number.isInteger(d.priority)) {
    return "'priority' must be an integer";
  }
  if (d.schema === null || typeof d.schema !== 'object') return "'schema' must be an object";
  const props = (d.schema as { properties?: Record<string, unknown> }).properties;
  if (props !== undefined && '_meta' in props) return "the schema may not declare '_meta'";
  for (const hook of HOOKS) {
    if (d[hook] !== undefined && typeof d[hook] !== 'function')
      return `'${hook}' must be a function`;
  }
  return undefined;
}

/**
 * Loads the custom plugins of `dir` (DESIGN.md "Plugins"): every `.js`/`.mjs` file whose
 * default export is a PluginDefinition. `generation` makes a plugin reload import the files
 * afresh (ESM caches modules by URL). A file that fails to load or is not a plugin stops the
 * load with an error naming the file, as APISIX refuses to start with a broken plugin.
 *
 * @example
 *   const custom = await loadPluginDir('/etc/gatehouse/plugins', 0);
 */
export async function loadPluginDir(dir: string, generation: number): Promise<PluginDefinition[]> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.js') || f.endsWith('.mjs'));
  } catch (err) {
    throw new GatehouseError(
      'GH_ERR_PLUGIN_INVALID',
      `gatehouse.plugin_dir ${dir}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const out: PluginDefinition[] = [];
  for (const file of files.sort()) {
    const full = path.join(dir, file);
    let mod: { default?: unknown };
    try {
      mod = (await import(`${pathToFileURL(full).href}?generation=${generation}`)) as {
        default?: unknown;
      };
    } catch (err) {
      throw new GatehouseError(
        'GH_ERR_PLUGIN_INVALID',
        `custom plugin ${full}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const problem = shapeError(mod.default);
    if (problem !== undefined) {
      throw new GatehouseError('GH_ERR_PLUGIN_INVALID', `custom plugin ${full}: ${problem}`);
    }
    out.push(mod.default as PluginDefinition);
  }
  return out;
}
