import type { PluginDefinition } from '../plugin/types.js';

/**
 * Every plugin Gatehouse ships, HTTP and stream. config.yaml's `plugins` / `stream_plugins`
 * choose which of these are enabled. Plugins arrive one file each under src/plugins/ and are
 * listed here; until then the list is empty and every configured name is reported as missing.
 */
export const BUILTIN_PLUGINS: readonly PluginDefinition[] = [];
