/**
 * Where a store key belongs: `<prefix>/routes/1` → directory `routes`, id `1`. Credentials live
 * under their consumer (`consumers/jack/credentials/c1` → `credentials`, `jack/credentials/c1`),
 * secrets carry their manager in the id (`secrets/vault/1` → id `vault/1`).
 */
export interface KeyPlace {
  readonly dir: string;
  readonly id: string;
}

const CREDENTIALS = '/credentials/';

/**
 * Undefined for keys that hold no resource: the `init_dir` placeholders (`<prefix>/routes/`),
 * the `/plugins` list, `/gen_id`, and service sub-resources (graphql cost decorations).
 *
 * @example placeOf('/apisix', '/apisix/routes/1') // { dir: 'routes', id: '1' }
 */
export function placeOf(prefix: string, key: string): KeyPlace | undefined {
  if (!key.startsWith(prefix) || key.charCodeAt(prefix.length) !== 0x2f) return undefined;
  const rest = key.slice(prefix.length + 1);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  const dir = rest.slice(0, slash);
  const id = rest.slice(slash + 1);
  if (dir === 'consumers' && id.includes(CREDENTIALS)) {
    return id.endsWith('/') ? undefined : { dir: 'credentials', id };
  }
  if (dir !== 'secrets' && id.includes('/')) return undefined;
  return { dir, id };
}
