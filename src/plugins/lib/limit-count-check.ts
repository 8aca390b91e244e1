/**
 * limit-count's checks beyond the schema (APISIX `check_schema`), with APISIX's messages, and
 * the refusal of what Gatehouse does not do yet (delayed sync to Redis).
 */
import { isDeepStrictEqual } from 'node:util';
import { groupFields, NO_DELAYED_SYNC } from './limit-count-schema.js';

/** The conf as the schema leaves it (defaults applied). */
export interface LimitCountConf {
  readonly count?: number | string;
  readonly time_window?: number | string;
  readonly window_type: 'fixed' | 'sliding';
  readonly rules?: readonly LimitCountRule[];
  readonly group?: string;
  readonly key: string;
  readonly key_type: 'var' | 'var_combination' | 'constant';
  readonly rejected_code: number;
  readonly rejected_msg?: string;
  readonly policy: 'local' | 'redis' | 'redis-cluster' | 'redis-sentinel';
  readonly allow_degradation: boolean;
  readonly show_limit_quota_header: boolean;
  readonly sync_interval: number;
  readonly [field: string]: unknown;
}

export interface LimitCountRule {
  readonly count: number | string;
  readonly time_window: number | string;
  readonly key: string;
  readonly header_prefix?: string;
}

/**
 * The first conf seen for each group, which later members must equal. APISIX keeps it in a
 * per-process LRU of 8 groups for 5 minutes; so does this, so a group can be re-configured the
 * same way (wait, or change every member at once under a new group name).
 */
const GROUP_MEMORY_MS = 5 * 60_000;
const GROUP_MEMORY_SIZE = 8;
const groups = new Map<string, { conf: LimitCountConf; at: number }>();

function rememberedGroup(conf: LimitCountConf & { group: string }): LimitCountConf {
  const now = Date.now();
  const seen = groups.get(conf.group);
  if (seen !== undefined && now - seen.at < GROUP_MEMORY_MS) return seen.conf;
  groups.delete(conf.group);
  if (groups.size >= GROUP_MEMORY_SIZE) groups.delete(groups.keys().next().value as string);
  groups.set(conf.group, { conf, at: now });
  return conf;
}

function checkGroup(conf: LimitCountConf & { group: string }): string | undefined {
  const first = rememberedGroup(conf);
  const same = groupFields(conf.policy).every((f) => isDeepStrictEqual(first[f], conf[f]));
  return same ? undefined : 'group conf mismatched';
}

function checkSyncInterval(conf: LimitCountConf): string | undefined {
  if (conf.policy === 'local' || conf.sync_interval === NO_DELAYED_SYNC) return undefined;
  if (conf.sync_interval < 0.1) return 'sync_interval should not be smaller than 0.1';
  if (typeof conf.time_window === 'number' && conf.sync_interval >= conf.time_window) {
    return 'sync_interval should be smaller than time_window';
  }
  return 'sync_interval (delayed sync to redis) is not supported by Gatehouse yet';
}

function duplicateRuleKey(rules: readonly LimitCountRule[]): string | undefined {
  const seen = new Set<string>();
  for (const { key } of rules) {
    if (seen.has(key)) return `duplicate key '${key}' in rules`;
    seen.add(key);
  }
  return undefined;
}

export function checkConf(conf: LimitCountConf): string | undefined {
  const hasCount = conf.count !== undefined || conf.time_window !== undefined;
  if (conf.rules !== undefined && hasCount) {
    return 'count/time_window and rules cannot be specified at the same time';
  }
  if (conf.group !== undefined && conf.rules !== undefined) {
    return 'group and rules cannot be specified at the same time';
  }
  if (conf.group !== undefined) {
    const err = checkGroup(conf as LimitCountConf & { group: string });
    if (err !== undefined) return err;
  }
  return checkSyncInterval(conf) ?? duplicateRuleKey(conf.rules ?? []);
}
