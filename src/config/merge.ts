import { configError, isPlainObject, typeName, type KeyPath } from './config-error.js';

/**
 * Where APISIX lets a user value's type differ from the default's (apisix/cli/file.lua):
 * nginx directives are numbers or strings, `node_listen` may be one port, the keyring one key.
 */
function mayChangeType(path: KeyPath, userType: string): boolean {
  if (path[0] === 'nginx_config' && (userType === 'number' || userType === 'string')) return true;
  const dotted = path.join('.');
  if (dotted === 'apisix.node_listen' && userType === 'number') return true;
  return dotted === 'apisix.data_encryption.keyring';
}

/**
 * Merges a user document into the defaults, in place, with APISIX's rules: objects merge
 * recursively, arrays replace, `null` deletes the key, and a value whose type differs from the
 * default's is an error (`expected array, got string`) except where APISIX allows it.
 */
export function mergeInto(
  base: Record<string, unknown>,
  user: Record<string, unknown>,
  fileLabel: string,
  path: KeyPath = [],
): void {
  for (const [key, value] of Object.entries(user)) {
    const here = [...path, key];
    const current = base[key];
    if (value === null) {
      delete base[key];
      continue;
    }
    if (current === undefined) {
      base[key] = value;
      continue;
    }
    const userType = typeName(value);
    const baseType = typeName(current);
    if (userType !== baseType && !mayChangeType(here, userType)) {
      throw configError(fileLabel, here, `expected ${baseType}, got ${userType}`);
    }
    if (isPlainObject(value) && isPlainObject(current)) {
      mergeInto(current, value, fileLabel, here);
    } else {
      base[key] = value;
    }
  }
}
