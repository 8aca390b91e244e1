import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { fileLabel } from '../config/location.js';
import type { GatewayConfig } from '../config/types.js';
import { isGatehouseError } from '../core/errors.js';
import { PluginRegistry } from '../plugin/registry.js';
import { findResourceKind } from '../resources/catalog.js';
import type { CheckContext, ResourceValue, StoredItem } from '../resources/types.js';
import { parseStandaloneFile } from '../store/yaml/standalone-file.js';
import { BUILTIN_PLUGINS } from './builtin-plugins.js';

interface Entry {
  dir: string;
  item: StoredItem;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `/apisix/consumers/jack/credentials/c1` → credentials, `jack/credentials/c1`. */
function splitKey(key: string, prefix: string): { dir: string; id: string } | undefined {
  const [dir, ...rest] = key.slice(prefix.length + 1).split('/');
  if (dir === undefined || rest.length === 0) return undefined;
  const id = rest.join('/');
  return { dir: dir === 'consumers' && rest[1] === 'credentials' ? 'credentials' : dir, id };
}

/** The file's own `plugins:` list overrides config.yaml's, as in APISIX's standalone mode. */
function pluginNames(json: string | undefined, config: GatewayConfig): string[] {
  const list: unknown = json === undefined ? undefined : JSON.parse(json);
  if (!Array.isArray(list)) return [...config.plugins];
  return list.flatMap((p) =>
    isObject(p) && typeof p['name'] === 'string' && p['stream'] !== true ? [p['name']] : [],
  );
}

/** Top-level keys the loader would silently ignore: almost always a typo (`route:`). */
function unknownSections(raw: string): string[] {
  let doc: unknown;
  try {
    doc = parse(raw, { logLevel: 'silent', version: '1.1' });
  } catch {
    return []; // the loader reports the parse error itself
  }
  if (!isObject(doc)) return [];
  return Object.keys(doc).filter(
    (key) => key !== 'plugins' && !key.endsWith('_conf_version') && !findResourceKind(key),
  );
}

/**
 * `gatehouse validate` for a standalone file: parsed as the yaml store parses it, then every
 * item through its resource kind's load-time check, with references resolved against the
 * file's own items (as the data plane would see them). Returns one line per problem, each
 * naming the file, the resource and the id; empty when the file is valid.
 */
export async function validateStandalone(
  file: string,
  config: GatewayConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  const label = fileLabel(file);
  const prefix = config.deployment.etcd.prefix;
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return [
      `${label}: cannot read: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    ];
  }
  let content;
  try {
    content = parseStandaloneFile(raw, label, prefix, env);
  } catch (err) {
    if (isGatehouseError(err)) return [err.message];
    throw err;
  }
  const problems = [
    ...unknownSections(raw).map((key) => `${label}: ${key}: unknown resource type`),
    ...content.problems.map((p) => `${label}: ${p}`),
  ];
  const entries: Entry[] = [];
  for (const [key, json] of content.entries) {
    const where = splitKey(key, prefix);
    if (where === undefined) continue;
    entries.push({
      dir: where.dir,
      item: { id: where.id, value: JSON.parse(json) as ResourceValue },
    });
  }
  const ctx: CheckContext = {
    plugins: new PluginRegistry(
      BUILTIN_PLUGINS,
      pluginNames(content.entries.get(`${prefix}/plugins`), config),
    ),
    get: (dir, id) =>
      Promise.resolve(entries.find((e) => e.dir === dir && e.item.id === id)?.item.value),
    list: (dir) => Promise.resolve(entries.filter((e) => e.dir === dir).map((e) => e.item)),
  };
  for (const { dir, item } of entries) {
    try {
      await findResourceKind(dir)?.check(item.id, item.value, ctx, 'load');
    } catch (err) {
      if (!isGatehouseError(err)) throw err;
      problems.push(`${label}: ${dir} ${item.id}: ${err.message}`);
    }
  }
  return problems;
}
