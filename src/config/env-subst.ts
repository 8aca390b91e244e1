import { configError, isPlainObject, type KeyPath } from './config-error.js';

// `${{NAME}}` or `${{NAME:=default}}`; APISIX uses `${{` because nginx owns `$var` and `${var}`.
const VAR_REF = /\$\{\{\s*(\w+)(?:\s*:=(.*?))?\s*\}\}/g;

/**
 * Replaces every `${{VAR}}` in a string. Returns undefined when the string has no reference, so
 * callers know whether to apply APISIX's "a substituted value may become a number" rule.
 * Throws GH_ERR_CONFIG_ENV naming the variable when it is unset and has no default.
 */
export function substituteString(
  text: string,
  env: NodeJS.ProcessEnv,
  fileLabel: string,
  path: KeyPath,
): string | undefined {
  let used = false;
  const out = text.replace(VAR_REF, (_match, name: string, fallback: string | undefined) => {
    const value = env[name] ?? fallback?.trim();
    if (value === undefined) {
      throw configError(
        fileLabel,
        path,
        `environment variable ${name} is not set and has no default (\${{${name}:=value}})`,
        'GH_ERR_CONFIG_ENV',
      );
    }
    used = true;
    return value;
  });
  return used ? out : undefined;
}

/** APISIX converts a substituted value that reads as a number or a boolean. */
function convertScalar(value: string): string | number | boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return value;
}

/**
 * Substitutes environment variables in every string value and every key of a parsed config
 * document (config.yaml is substituted after parsing, as APISIX does). Returns a new document.
 */
export function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  fileLabel: string,
  path: KeyPath = [],
): unknown {
  if (typeof value === 'string') {
    const replaced = substituteString(value, env, fileLabel, path);
    return replaced === undefined ? value : convertScalar(replaced);
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => substituteEnv(item, env, fileLabel, [...path, i]));
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const newKey = substituteString(key, env, fileLabel, [...path, key]) ?? key;
      out[newKey] = substituteEnv(item, env, fileLabel, [...path, newKey]);
    }
    return out;
  }
  return value;
}
