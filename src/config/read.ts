import { isPlainObject } from './config-error.js';

/**
 * Typed reads from a merged, schema-checked document. The schema already rejected wrong types,
 * so a value of another type can only mean "absent" (a YAML null deleted it): use the fallback.
 */
export function objectAt(doc: unknown, ...keys: string[]): Record<string, unknown> {
  let cursor: unknown = doc;
  for (const key of keys) cursor = isPlainObject(cursor) ? cursor[key] : undefined;
  return isPlainObject(cursor) ? cursor : {};
}

export function stringOr(obj: Record<string, unknown>, key: string, fallback: string): string {
  const v = obj[key];
  return typeof v === 'string' ? v : fallback;
}

export function numberOr(obj: Record<string, unknown>, key: string, fallback: number): number {
  const v = obj[key];
  return typeof v === 'number' ? v : fallback;
}

export function boolOr(obj: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = obj[key];
  return typeof v === 'boolean' ? v : fallback;
}

export function stringsOr(obj: Record<string, unknown>, key: string, fallback: string[]): string[] {
  const v = obj[key];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : fallback;
}

/** Freezes a value and everything reachable from it (the config is shared by every module). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
