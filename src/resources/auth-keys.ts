import { isSecretRef } from '../core/secret-ref.js';
import { isObject } from './fail.js';
import type { CheckContext } from './types.js';

/**
 * Auth keys must be unique across all consumers and credentials (APISIX `consumer.lua`
 * `check_duplicate_key`), or two consumers would match the same request.
 */

/** The field that identifies a consumer, per auth plugin. */
const UNIQUE_KEY_FIELDS: Readonly<Record<string, string>> = {
  'key-auth': 'key',
  'basic-auth': 'username',
  'jwt-auth': 'key',
  'hmac-auth': 'key_id',
  'ldap-auth': 'user_dn',
  'ldap-auth-advanced': 'user_dn',
};

const CREDENTIALS = '/credentials/';

/** Who is writing: a consumer, or one credential of a consumer. */
export interface KeyOwner {
  consumer: string;
  credentialId?: string;
}

/** Splits a `consumers` item id: `bob` or `bob/credentials/c1`. */
export function ownerOf(itemId: string): KeyOwner {
  const at = itemId.indexOf(CREDENTIALS);
  if (at < 0) return { consumer: itemId };
  return { consumer: itemId.slice(0, at), credentialId: itemId.slice(at + CREDENTIALS.length) };
}

function isSelf(owner: KeyOwner, writer: KeyOwner): boolean {
  if (owner.consumer !== writer.consumer) return false;
  // A consumer never conflicts with its own credentials; a credential only with itself.
  return writer.credentialId === undefined || owner.credentialId === writer.credentialId;
}

/**
 * The `duplicate <field> of plugin <name> found with ...` message, or undefined. Reads the
 * `consumers` and `credentials` directories; credential item ids are `<username>/credentials/<id>`.
 */
export async function checkDuplicateAuthKeys(
  plugins: unknown,
  writer: KeyOwner,
  ctx: CheckContext,
): Promise<string | undefined> {
  if (!isObject(plugins)) return undefined;
  const wanted = Object.entries(plugins).flatMap(([name, conf]) => {
    const field = UNIQUE_KEY_FIELDS[name];
    const value = field !== undefined && isObject(conf) ? conf[field] : undefined;
    return field !== undefined && typeof value === 'string' && !isSecretRef(value)
      ? [{ name, field, value }]
      : [];
  });
  if (wanted.length === 0) return undefined;
  // Consumers and credentials, whichever directory a context files credentials under.
  const seen = new Set<string>();
  const items = [...(await ctx.list('consumers')), ...(await ctx.list('credentials'))].filter(
    (item) => !seen.has(item.id) && seen.add(item.id),
  );
  for (const { name, field, value } of wanted) {
    for (const item of items) {
      const conf = isObject(item.value.plugins) ? item.value.plugins[name] : undefined;
      if (!isObject(conf) || conf[field] !== value) continue;
      const owner = ownerOf(item.id);
      if (isSelf(owner, writer)) continue;
      const desc =
        owner.credentialId === undefined
          ? `consumer: ${owner.consumer}`
          : `credential: ${owner.credentialId} of consumer: ${owner.consumer}`;
      return `duplicate ${field} of plugin ${name} found with ${desc}`;
    }
  }
  return undefined;
}
