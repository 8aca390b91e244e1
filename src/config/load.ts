import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import { GatehouseError } from '../core/errors.js';
import { parseIpList } from '../core/expr/ip-list.js';
import { buildConfig } from './build.js';
import { configError, isPlainObject, typeName } from './config-error.js';
import { builtinDefaults, KNOWN_TOP_LEVEL_KEYS, type ConfigDoc } from './defaults.js';
import { substituteEnv } from './env-subst.js';
import { fileLabel, resolveConfigLocation } from './location.js';
import { mergeInto } from './merge.js';
import { checkSchema } from './schema.js';
import type { GatewayConfig } from './types.js';

export interface LoadOptions {
  /** config.yaml; default `<prefix or cwd>/conf/config.yaml`, where absent means defaults only. */
  file?: string | undefined;
  /** The prefix relative paths resolve against; default derived from the file (see location.ts). */
  prefix?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  cwd?: string | undefined;
}

/**
 * Reads config.yaml, merges it over the built-in defaults and returns the frozen GatewayConfig.
 * Every problem is a GatehouseError (GH_ERR_CONFIG_*) whose message starts with the file and
 * the key path.
 *
 * @example
 *   const config = loadConfig({ file: 'conf/config.yaml' });
 *   config.deployment.admin.admin_listen; // { ip: '127.0.0.1', port: 9180 }
 */
export function loadConfig(opts: LoadOptions = {}): GatewayConfig {
  const cwd = opts.cwd ?? process.cwd();
  const where = resolveConfigLocation({ file: opts.file, prefix: opts.prefix, cwd });
  const label = fileLabel(where.file, cwd);
  const text = readConfigText(where.file, label, where.explicit);
  if (text === undefined) {
    return fromDocument(undefined, { file: undefined, prefix: where.prefix, label, env: opts.env });
  }
  return fromDocument(parseYaml(text, label), {
    file: where.file,
    prefix: where.prefix,
    label,
    env: opts.env,
  });
}

/**
 * The same pipeline over an already parsed document (tests, `gatehouse validate` of a string).
 * `file` only names the document in messages unless it exists on disk.
 */
export function configFromObject(
  doc: unknown,
  opts: { file?: string; prefix?: string; env?: NodeJS.ProcessEnv } = {},
): GatewayConfig {
  const file = opts.file === undefined ? undefined : path.resolve(opts.file);
  const prefix = path.resolve(opts.prefix ?? resolveConfigLocation({ file: opts.file }).prefix);
  return fromDocument(doc, { file, prefix, label: opts.file ?? 'config.yaml', env: opts.env });
}

function readConfigText(file: string, label: string, explicit: boolean): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return undefined;
    const why = code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new GatehouseError('GH_ERR_CONFIG_FILE', `${label}: cannot read: ${why}`, { cause: err });
  }
}

function parseYaml(text: string, label: string): unknown {
  try {
    // YAML 1.1, as the libyaml-based parser APISIX uses: `on`/`yes` are booleans there.
    return parse(text, { version: '1.1' });
  } catch (err) {
    if (!(err instanceof YAMLParseError)) throw err;
    // yaml's message ends with a code frame; the first line has the problem and position.
    const first = err.message.split('\n')[0] ?? 'invalid YAML';
    throw new GatehouseError('GH_ERR_CONFIG_FILE', `${label}: invalid YAML: ${first}`, {
      cause: err,
    });
  }
}

function fromDocument(
  parsed: unknown,
  opts: {
    file: string | undefined;
    prefix: string;
    label: string;
    env: NodeJS.ProcessEnv | undefined;
  },
): GatewayConfig {
  const merged = builtinDefaults();
  // An empty file parses to null: APISIX treats it as "defaults only".
  if (parsed !== null && parsed !== undefined) {
    if (!isPlainObject(parsed)) {
      throw configError(opts.label, [], `expected a mapping of keys, got ${typeName(parsed)}`);
    }
    const user = substituteEnv(parsed, opts.env ?? process.env, opts.label) as ConfigDoc;
    for (const key of Object.keys(user)) {
      if (!KNOWN_TOP_LEVEL_KEYS.has(key))
        throw configError(opts.label, [key], 'unknown top-level key');
    }
    mergeInto(merged, user, opts.label);
  }
  const problem = checkSchema(merged, opts.label) ?? checkAddresses(merged, opts.label);
  if (problem !== undefined) throw problem;
  return buildConfig(merged, { file: opts.file, prefix: opts.prefix, fileLabel: opts.label });
}

/**
 * `allow_admin` entries must be IPs or CIDRs: a typo must stop start-up here, naming the key,
 * not later when the Admin API builds its allow-list (after the workers were forked).
 */
function checkAddresses(doc: ConfigDoc, label: string): GatehouseError | undefined {
  const admin = (doc['deployment'] as ConfigDoc | undefined)?.['admin'] as ConfigDoc | undefined;
  const list = admin?.['allow_admin'];
  if (!Array.isArray(list)) return undefined;
  for (const [i, entry] of list.entries()) {
    const parsed = parseIpList([entry]);
    if (typeof parsed === 'string') {
      return configError(label, ['deployment', 'admin', `allow_admin[${i}]`], parsed);
    }
  }
  return undefined;
}
