import { GatehouseError } from '../core/errors.js';
import type { ErrorCode } from '../core/error-codes.js';

/** A position inside a config document: object keys and array indexes. */
export type KeyPath = readonly (string | number)[];

/** `['deployment', 'admin', 'admin_key', 0, 'key']` → `deployment.admin.admin_key[0].key`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out === '' ? '(top level)' : out;
}

/**
 * The one shape every config problem has, so the CLI can print it as one line:
 * `conf/config.yaml: deployment.admin.allow_admin: expected array, got string`.
 */
export function configError(
  fileLabel: string,
  path: KeyPath,
  problem: string,
  code: ErrorCode = 'GH_ERR_CONFIG_INVALID',
): GatehouseError {
  return new GatehouseError(code, `${fileLabel}: ${formatKeyPath(path)}: ${problem}`);
}

/** The name of a value's type as messages use it: array, object, null, string, number, boolean. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
