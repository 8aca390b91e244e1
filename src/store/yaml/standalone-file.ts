import { parse as parseYaml } from 'yaml';
import { GatehouseError } from '../../core/errors.js';
import { substituteEnvInText } from './env-subst.js';

/** The directories a standalone file may hold, as in APISIX's config_yaml (spec §8.4). */
const DIRECTORIES = [
  'routes',
  'services',
  'upstreams',
  'consumers',
  'consumer_groups',
  'ssls',
  'global_rules',
  'plugin_configs',
  'plugin_metadata',
  'protos',
  'stream_routes',
  'secrets',
] as const;

/** APISIX only trusts a YAML file whose last bytes carry `#END`: a half-written file is ignored. */
const END_FLAG = /#END\s*$/;
const END_FLAG_WINDOW = 10;

export interface StandaloneContent {
  /** Store key → value (the item as JSON), as the etcd layout would hold them. */
  entries: Map<string, string>;
  /** Items or sections that were skipped, for the log. */
  problems: string[];
}

/**
 * Parses `conf/apisix.yaml` (or `.json`) into the keys and values an etcd-backed APISIX would
 * have. Throws GH_ERR_CONFIG_FILE (no `#END`, bad YAML/JSON, not a mapping) or GH_ERR_CONFIG_ENV;
 * a bad item only skips that item and is reported in `problems`.
 *
 * @example parseStandaloneFile('routes:\n  - id: 1\n    uri: /\n#END\n', 'apisix.yaml', '/apisix', {})
 *   // entries: '/apisix/routes/1' → '{"id":1,"uri":"/"}'
 */
export function parseStandaloneFile(
  raw: string,
  file: string,
  prefix: string,
  env: NodeJS.ProcessEnv,
): StandaloneContent {
  const isJson = file.endsWith('.json');
  if (!isJson && !END_FLAG.test(Buffer.from(raw).subarray(-END_FLAG_WINDOW).toString('latin1'))) {
    throw new GatehouseError('GH_ERR_CONFIG_FILE', `${file}: missing valid end flag (#END)`);
  }
  const doc = parseDocument(substituteEnvInText(raw, env, file), file, isJson);
  const entries = new Map<string, string>();
  const problems: string[] = [];
  for (const dir of DIRECTORIES) {
    const items = doc[dir];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) {
      problems.push(`${dir} is not an array, skipped`);
      continue;
    }
    items.forEach((item: unknown, index) => {
      const key = itemKey(dir, item, index);
      if (key === undefined) {
        problems.push(`${dir}[${index}] is not an object, skipped`);
        return;
      }
      const fullKey = `${prefix}/${dir}/${key}`;
      if (entries.has(fullKey)) problems.push(`${dir}[${index}] repeats id ${key}, it wins`);
      entries.set(fullKey, JSON.stringify(item));
    });
  }
  if (doc['plugins'] !== undefined && doc['plugins'] !== null) {
    if (Array.isArray(doc['plugins']))
      entries.set(`${prefix}/plugins`, JSON.stringify(doc['plugins']));
    else problems.push('plugins is not an array, skipped');
  }
  return { entries, problems };
}

function parseDocument(text: string, file: string, isJson: boolean): Record<string, unknown> {
  let doc: unknown;
  try {
    // logLevel 'error': YAML errors throw, warnings are not printed to the console.
    doc = isJson ? JSON.parse(text) : parseYaml(text, { logLevel: 'error', version: '1.1' });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new GatehouseError('GH_ERR_CONFIG_FILE', `${file}: cannot parse: ${reason}`, {
      cause: err,
    });
  }
  if (doc === null || doc === undefined) return {}; // only comments and #END: an empty config
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new GatehouseError('GH_ERR_CONFIG_FILE', `${file}: the top level must be a mapping`);
  }
  return doc as Record<string, unknown>;
}

/**
 * The key suffix of an item: its `id`, else (consumers) its `username`, else `arr_<n>` (1-based).
 * A consumer id `<username>/credentials/<cid>` lands on the credential key, as in etcd.
 */
function itemKey(dir: string, item: unknown, index: number): string | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const { id, username } = item as { id?: unknown; username?: unknown };
  if (typeof id === 'string' || typeof id === 'number') return String(id);
  if (dir === 'consumers' && typeof username === 'string') return username;
  return `arr_${index + 1}`;
}
