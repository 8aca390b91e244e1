/**
 * What limit-count counts, per request: the rules of a conf (one rule for `count`/`time_window`,
 * one per entry of `rules`), compiled once, resolved against the request into the counters to
 * hit. Mirrors APISIX `get_rules` and the key choice of `run_rate_limit`.
 */
import type { ConfOwner, PluginContext } from '../../plugin/types.js';
import type { LimitCountConf } from './limit-count-check.js';
import {
  compileTemplate,
  counterPrefix as ownerPrefix,
  limitKeyValue,
  type Template,
} from './limit-key.js';

/** A per-request number: fixed, or a template resolved and checked on each request. */
type Amount = number | Template;

export interface CompiledRule {
  readonly count: Amount;
  /** `count` as header text when it is a number (most confs): not converted per request. */
  readonly countText: string | undefined;
  readonly timeWindow: Amount;
  /** The counter space: the conf's prefix (a counter's id is `space` + `key`). */
  readonly space: string;
  /** The counter key in `space` for a request; undefined means the rule does not apply. */
  readonly key: (ctx: PluginContext) => string | undefined;
  /** Inserted into the header names (`X-<prefix>-RateLimit-Limit`); undefined for no rules. */
  readonly headerPrefix: string | undefined;
  /**
   * The rule's limits when `count` and `time_window` are numbers (most confs): made once, so
   * that a request resolves nothing and allocates no ActiveRule for them.
   */
  readonly constant: Limits | undefined;
}

/** What a counter hit needs of a rule, besides the request's key. */
export interface Limits {
  readonly count: number;
  readonly countText: string;
  readonly windowMs: number;
  /** The counter id is `space` + `key`: the conf's prefix and the request's key. */
  readonly space: string;
  readonly headerPrefix: string | undefined;
}

/** One counter to hit for this request. */
export interface ActiveRule {
  readonly limits: Limits;
  readonly key: string;
}

const amount = (v: number | string): Amount => (typeof v === 'number' ? v : compileTemplate(v));
const amountText = (v: number | string): string | undefined =>
  typeof v === 'number' ? String(v) : undefined;

/** The key of `count`/`time_window` confs: a var, a template or a constant; remote_addr if unset. */
function singleRuleKey(conf: LimitCountConf): CompiledRule['key'] {
  if (conf.key_type !== 'constant') return limitKeyValue(conf.key, conf.key_type);
  const key = conf.key;
  return () => key;
}

/** A rule's key is a template; a rule whose template resolves no variable does not apply. */
function ruleKey(key: string): CompiledRule['key'] {
  const template = compileTemplate(key);
  return (ctx) => template.render(ctx);
}

/**
 * The counter namespace of a conf: `<group>:` with a group, else `<owner key>:<conf crc32>:`
 * as APISIX (`gen_limit_key`): editing the conf starts new counters, editing the rest of the
 * owner (its upstream, its other plugins) does not, and every node computes the same ids.
 */
export function counterPrefix(conf: LimitCountConf, owner: ConfOwner): string {
  return conf.group === undefined ? ownerPrefix(owner, conf) : `${conf.group}:`;
}

export function compileRules(conf: LimitCountConf, owner: ConfOwner): CompiledRule[] {
  const prefix = counterPrefix(conf, owner);
  if (conf.rules === undefined) {
    return [
      compiled(conf.count ?? 0, conf.time_window ?? 0, prefix, singleRuleKey(conf), undefined),
    ];
  }
  return conf.rules.map((rule, i) =>
    compiled(
      rule.count,
      rule.time_window,
      prefix,
      ruleKey(rule.key),
      rule.header_prefix ?? String(i + 1),
    ),
  );
}

function compiled(
  count: number | string,
  timeWindow: number | string,
  space: string,
  key: CompiledRule['key'],
  headerPrefix: string | undefined,
): CompiledRule {
  const constant =
    typeof count === 'number' && typeof timeWindow === 'number'
      ? { count, countText: String(count), windowMs: timeWindow * 1000, space, headerPrefix }
      : undefined;
  return {
    count: amount(count),
    countText: amountText(count),
    timeWindow: amount(timeWindow),
    space,
    key,
    headerPrefix,
    constant,
  };
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** The number an Amount is for this request, or why it is not usable (APISIX's texts). */
function resolveAmount(a: Amount, ctx: PluginContext): number | string {
  if (typeof a === 'number') return a;
  const text = a.render(ctx) ?? a.unresolved;
  const n = text.trim() === '' ? NaN : Number(text);
  if (Number.isNaN(n)) return 'resolved value is not a number';
  if (n <= 0) return `resolved value must be a positive number, got: ${n}`;
  if (!Number.isInteger(n)) return `resolved value must be an integer, got: ${n}`;
  if (n > MAX_SAFE) return `resolved value exceeds safe integer range (2^53-1), got: ${n}`;
  return n;
}

/** The limits of a rule for this request, or why it cannot be limited. */
function limitsOf(rule: CompiledRule, ctx: PluginContext): Limits | string {
  if (rule.constant !== undefined) return rule.constant;
  const count = resolveAmount(rule.count, ctx);
  if (typeof count === 'string') return count;
  const seconds = resolveAmount(rule.timeWindow, ctx);
  if (typeof seconds === 'string') return seconds;
  return {
    count,
    countText: rule.countText ?? String(count),
    windowMs: seconds * 1000,
    space: rule.space,
    headerPrefix: rule.headerPrefix,
  };
}

/**
 * The counters this request hits, in rule order, or the reason it cannot be limited (a template
 * count that is not a positive integer). Rules whose key resolves to nothing are left out.
 */
export function activeRules(
  rules: readonly CompiledRule[],
  ctx: PluginContext,
): ActiveRule[] | string {
  const out: ActiveRule[] = [];
  for (const rule of rules) {
    const key = rule.key(ctx);
    if (key === undefined) continue;
    const limits = limitsOf(rule, ctx);
    if (typeof limits === 'string') return limits;
    out.push({ limits, key });
  }
  return out;
}
