/**
 * The chash key of a request, from the upstream's `hash_on` and `key` (spec §5.2,
 * apisix/balancer/chash.lua `fetch_chash_hash_key`). Undefined means "nothing resolved": the
 * proxy then hashes on remote_addr, as APISIX does.
 */

export interface HashKeySource {
  readonly hash_on?: string;
  readonly key?: string;
}

/** Request variables by nginx name (`uri`, `arg_x`, `http_x_user`, `cookie_sid`, ...). */
export interface VarReader {
  get(name: string): string | undefined;
}

export type HashKeyFn = (vars: VarReader, consumerName?: string) => string | undefined;

/**
 * Does the string work of `hash_on`/`key` once per upstream version, so a request only reads
 * variables.
 *
 * @example compileHashKey({ hash_on: 'header', key: 'X-User' })(vars) // vars.get('http_x_user')
 */
export function compileHashKey(upstream: HashKeySource): HashKeyFn {
  const key = upstream.key ?? '';
  switch (upstream.hash_on ?? 'vars') {
    case 'consumer':
      return (_vars, consumerName) => consumerName;
    case 'header': {
      // nginx names a header variable in lower case with '-' turned into '_'.
      const name = 'http_' + key.toLowerCase().replaceAll('-', '_');
      return (vars) => vars.get(name);
    }
    case 'cookie': {
      const name = 'cookie_' + key;
      return (vars) => vars.get(name);
    }
    case 'vars_combinations':
      return (vars) => interpolate(key, vars);
    default:
      return (vars) => vars.get(key);
  }
}

/** One-off form of compileHashKey, for callers that do not keep the compiled function. */
export function hashKeyFor(
  upstream: HashKeySource,
  vars: VarReader,
  consumerName?: string,
): string | undefined {
  return compileHashKey(upstream)(vars, consumerName);
}

// `$name`, `${name}` and `${name ?? default}`, not preceded by a backslash
// (apisix/core/utils.lua `resolve_var`).
const VAR_PATTERN = /(?<!\\)\$(?:\{\s*([^}]+?)\s*\}|([\w.]+))/g;
const DEFAULT_SPLIT = /\s*\?\?\s*/;

/**
 * `$var` interpolation; an unresolved variable becomes "". The result is undefined when no
 * variable resolved, so a template of only missing variables falls back to remote_addr instead
 * of sending every request to the node of "".
 */
function interpolate(template: string, vars: VarReader): string | undefined {
  let resolved = 0;
  const out = template.replace(
    VAR_PATTERN,
    (_m, braced: string | undefined, bare: string | undefined) => {
      const [name = '', fallback] = (braced ?? bare ?? '').split(DEFAULT_SPLIT);
      const value = vars.get(name) ?? fallback;
      if (value === undefined) return '';
      resolved++;
      return value;
    },
  );
  return resolved === 0 ? undefined : out;
}
