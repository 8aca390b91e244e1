/**
 * What limit-req and limit-conn share: the counter key of a request (APISIX `gen_limit_key`:
 * `<owner>:<conf crc32>:<key value>`), `resolve_var` templates compiled once, the common schema
 * properties, the rejection and failure responses.
 *
 * @example
 *   const base = limitBase('limit-req', conf, env, owner);
 *   const keyOf = limitKey(conf.key, conf.key_type, base.prefix);
 *   const counter = keyOf(ctx); // 'routes/1:2859621405:127.0.0.1'
 */
import { crc32 } from 'node:zlib';
import type {
  ConfOwner,
  JsonSchema,
  PluginContext,
  PluginEnv,
  PluginResponse,
  SharedDict,
} from '../../plugin/types.js';

export type KeyType = 'var' | 'var_combination';

/** Schema properties every limit-* plugin has, with APISIX's defaults. */
export const LIMIT_PROPERTIES: Readonly<Record<string, JsonSchema>> = {
  key: { type: 'string' },
  key_type: { type: 'string', enum: ['var', 'var_combination'], default: 'var' },
  policy: { type: 'string', enum: ['redis', 'redis-cluster', 'local'], default: 'local' },
  rejected_code: { type: 'integer', minimum: 200, maximum: 599, default: 503 },
  rejected_msg: { type: 'string', minLength: 1 },
  allow_degradation: { type: 'boolean', default: false },
};

/** The `check` of the policy: Gatehouse counts node-wide only (no Redis backends). */
export function localPolicyOnly(policy: string): string | undefined {
  return policy === 'local'
    ? undefined
    : `policy ${JSON.stringify(policy)} is not supported: Gatehouse limits with the "local" policy only`;
}

/** The conf attributes every limit-* plugin has. */
export interface LimitConf {
  key_type: KeyType;
  policy: string;
  rejected_code: number;
  rejected_msg?: string;
  allow_degradation: boolean;
}

/** What every prepared limit-* conf holds. */
export interface LimitBase {
  readonly dict: SharedDict;
  /** `rejected_code` with `{"error_msg": rejected_msg}`, or the status alone (nginx's page). */
  readonly rejected: PluginResponse;
  readonly degrade: boolean;
  /** `<owner>:<conf checksum>:`, see counterPrefix. */
  readonly prefix: string;
}

export function limitBase(
  dictName: string,
  conf: LimitConf,
  env: PluginEnv,
  owner: ConfOwner,
): LimitBase {
  const msg = conf.rejected_msg;
  const status = conf.rejected_code;
  return {
    dict: env.shared(dictName),
    rejected: Object.freeze(msg === undefined ? { status } : { status, body: { error_msg: msg } }),
    degrade: conf.allow_degradation,
    prefix: counterPrefix(owner, conf),
  };
}

const COUNTER_FAILED: PluginResponse = Object.freeze({ status: 500 });

/** A failure to count: logged, then 500, or nothing (let through) with `allow_degradation`. */
export function counterFailed(
  base: LimitBase,
  ctx: PluginContext,
  err: unknown,
  what: string,
): PluginResponse | undefined {
  ctx.env.logger.error({ err }, `failed to ${what}`);
  return base.degrade ? undefined : COUNTER_FAILED;
}

/**
 * The prefix of every counter of one conf: its owner's key and a checksum of the conf, so editing
 * the conf starts new counters while editing the rest of the owner keeps them (APISIX keys on
 * `plugin.conf_version`, a CRC32 of the conf).
 */
export function counterPrefix(owner: ConfOwner, conf: unknown): string {
  return `${owner.key}:${crc32(stableJson(conf))}:`;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A request's counter key: `prefix` + the key's value — the variable (`var`) or the template
 * (`var_combination`, absent when no variable resolved) — falling back to the client address
 * as APISIX does.
 */
export function limitKey(
  key: string,
  keyType: KeyType,
  prefix: string,
): (ctx: PluginContext) => string {
  const valueOf = limitKeyValue(key, keyType);
  return (ctx) => prefix + valueOf(ctx);
}

/** The part of limitKey's key that varies per request: the key's value, without the prefix. */
export function limitKeyValue(key: string, keyType: KeyType): (ctx: PluginContext) => string {
  switch (keyType) {
    case 'var_combination': {
      const template = compileTemplate(key);
      return (ctx) => template.render(ctx) ?? clientAddr(ctx);
    }
    case 'var':
      return (ctx) => ctx.var(key) ?? clientAddr(ctx);
  }
}

function clientAddr(ctx: PluginContext): string {
  return ctx.var('remote_addr') ?? ctx.clientIp;
}

/** A compiled APISIX template (`core.utils.resolve_var`). */
export interface Template {
  /** The text, or undefined when no variable resolved (a default after `??` counts). */
  render(ctx: PluginContext): string | undefined;
  /** The text when no variable resolves: the literal parts alone. */
  readonly unresolved: string;
}

type Part = string | { readonly name: string; readonly fallback: string | undefined };

// `$name` or `${name}` / `${name ?? default}`, not after a backslash (which stays in the text).
const VARIABLE = /(?<!\\)\$(?:\{\s*([^}]+?)\s*\}|([\w.]+))/g;

/** Compiles `$var`, `${var}`, `${var ?? default}` templates; a missing variable becomes "". */
export function compileTemplate(text: string): Template {
  const parts: Part[] = [];
  let at = 0;
  for (const m of text.matchAll(VARIABLE)) {
    if (m.index > at) parts.push(text.slice(at, m.index));
    const segs = (m[1] ?? m[2] ?? '').split(/\s*\?\?\s*/);
    parts.push({ name: segs[0] ?? '', fallback: segs[1] });
    at = m.index + m[0].length;
  }
  if (at < text.length) parts.push(text.slice(at));
  const unresolved = parts.filter((p) => typeof p === 'string').join('');
  return {
    unresolved,
    render(ctx) {
      let out = '';
      let resolved = 0;
      for (const part of parts) {
        if (typeof part === 'string') {
          out += part;
          continue;
        }
        const v = ctx.var(part.name) ?? part.fallback;
        if (v !== undefined) {
          out += v;
          resolved++;
        }
      }
      return resolved === 0 ? undefined : out;
    },
  };
}
