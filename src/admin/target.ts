/**
 * Which stored item (or directory) a generic resource URL names. APISIX's URL layout is
 * `/apisix/admin/{dir}/{id}/{sub-path...}` with two exceptions copied here: credentials live
 * under their consumer (`/consumers/{u}/credentials/{id}`) and secrets under their manager
 * (`/secrets/{manager}/{id}`).
 */
export interface Target {
  /** The resource directory (`credentials` for a consumer's credentials). */
  readonly dir: string;
  /** The id from the URL: route id, username, plugin name, credential or secret id. */
  readonly id: string | undefined;
  /** The consumer username (credentials) or the secret manager (secrets). */
  readonly parent: string | undefined;
  /** Segments after the id (PATCH sub-path). */
  readonly subPath: readonly string[];
}

/** `segments` start with the resource segment (never empty). */
export function resolveTarget(segments: readonly string[]): Target {
  const [first = '', second, third, fourth, ...rest] = segments;
  if (first === 'consumers' && third === 'credentials') {
    return { dir: 'credentials', parent: second, id: fourth, subPath: rest };
  }
  if (first === 'secrets') {
    const subPath = fourth === undefined ? [] : [fourth, ...rest];
    return { dir: 'secrets', parent: second, id: third, subPath };
  }
  const subPath = [third, fourth, ...rest].filter((s): s is string => s !== undefined);
  return { dir: first, id: second, parent: undefined, subPath };
}

/** The key suffix after `<prefix>/<dir>/` (StoredItem.id) of the target's item. */
export function itemId(target: Target, id: string): string {
  if (target.dir === 'credentials') return `${target.parent ?? ''}/credentials/${id}`;
  if (target.dir === 'secrets') return `${target.parent ?? ''}/${id}`;
  return id;
}
