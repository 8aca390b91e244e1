/**
 * Secret references in configuration values (APISIX `apisix/secret.lua`, `apisix/core/env.lua`):
 * a string `$env://NAME` (scheme in any case) stands for the environment variable NAME of the
 * gateway process, `$env://NAME/key` for field `key` of that variable's JSON object, and
 * `$secret://<manager>/<id>/<key>` for a key of a secret manager (Vault, AWS, GCP), which
 * Gatehouse cannot reach yet. A reference that does not resolve is kept as it is, as APISIX
 * keeps it, and reported, so the caller can log it or fail closed.
 */

const SECRET_PREFIX = '$secret://';
const ENV_PREFIX_LENGTH = '$env://'.length;

/** APISIX `secret.is_secret_ref`: a `$secret://...` or (any case) `$env://...` string. */
export function isSecretRef(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.charCodeAt(0) === 36 /* $ */ &&
    (value.startsWith(SECRET_PREFIX) ||
      value.slice(0, ENV_PREFIX_LENGTH).toLowerCase() === '$env://')
  );
}

/** True when any string in `value`, at any depth, is a secret reference. */
export function holdsSecretRef(value: unknown): boolean {
  if (typeof value === 'string') return isSecretRef(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(holdsSecretRef);
  for (const key in value) {
    if (holdsSecretRef((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** A reference that did not resolve: where it is (`a.b.0`), the reference, and why. */
export interface SecretRefFailure {
  readonly path: string;
  readonly ref: string;
  readonly reason: string;
}

type Env = Readonly<Record<string, string | undefined>>;
type Lookup = { value: unknown } | { reason: string };

/** What `$env://NAME[/key]` stands for in `env`. */
function lookupEnv(ref: string, env: Env): Lookup {
  const path = ref.slice(ENV_PREFIX_LENGTH);
  const slash = path.indexOf('/');
  const name = slash < 0 ? path : path.slice(0, slash);
  const subKey = slash < 0 ? '' : path.slice(slash + 1);
  const main = env[name];
  if (main === undefined) return { reason: `environment variable ${name} is not set` };
  if (subKey === '') return { value: main };
  let parsed: unknown;
  try {
    parsed = JSON.parse(main);
  } catch {
    return { reason: `environment variable ${name} is not JSON, so has no key ${subKey}` };
  }
  const value =
    parsed !== null &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed) &&
    Object.hasOwn(parsed, subKey)
      ? (parsed as Record<string, unknown>)[subKey]
      : undefined;
  if (value === undefined || value === null) {
    return { reason: `environment variable ${name} has no key ${subKey}` };
  }
  return { value };
}

/** Why `$secret://manager/id/key` cannot be fetched (APISIX's format errors first). */
function secretManagerReason(ref: string): string {
  const [manager, id, ...key] = ref.slice(SECRET_PREFIX.length).split('/');
  if (id === undefined) return 'error format: no secret manager';
  if (key.length === 0) return 'error format: no secret conf id';
  if (key.join('/') === '') return 'error format: no secret key id';
  return `secret manager ${manager}, id ${id}: fetching from a secret manager is not supported yet`;
}

function lookup(ref: string, env: Env): Lookup {
  return ref.startsWith(SECRET_PREFIX) ? { reason: secretManagerReason(ref) } : lookupEnv(ref, env);
}

function resolveNode(
  value: unknown,
  path: string,
  env: Env,
  failures: SecretRefFailure[],
): unknown {
  if (typeof value === 'string') {
    if (!isSecretRef(value)) return value;
    const found = lookup(value, env);
    if ('value' in found) return found.value;
    failures.push({ path, ref: value, reason: found.reason });
    return value;
  }
  if (typeof value !== 'object' || value === null) return value;
  const at = (key: string): string => (path === '' ? key : `${path}.${key}`);
  if (Array.isArray(value))
    return value.map((v, i) => resolveNode(v, at(String(i)), env, failures));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = resolveNode(v, at(k), env, failures);
  return out;
}

/**
 * `value` with every secret reference in its strings, at any depth, replaced by what it stands
 * for (a `$env://NAME/key` may stand for a number or an object, as in APISIX); the same object
 * when it holds none, else a copy. References that do not resolve stay as they are and are
 * listed in `failures`.
 *
 * @example
 *   resolveSecretRefs({ key: '$env://API_KEY' }, { API_KEY: 'k1' });
 *   // { value: { key: 'k1' }, failures: [] }
 */
export function resolveSecretRefs<T>(
  value: T,
  env: Env = process.env,
): { value: T; failures: readonly SecretRefFailure[] } {
  if (!holdsSecretRef(value)) return { value, failures: [] };
  const failures: SecretRefFailure[] = [];
  return { value: resolveNode(value, '', env, failures) as T, failures };
}
