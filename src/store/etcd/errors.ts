import { GatehouseError } from '../../core/errors.js';

/**
 * Every failure of a call to etcd, as the coded error the Admin API answers with a 503
 * (`{"error_msg": ...}`, as APISIX answers etcd failures). The message names etcd and its
 * endpoints, so an operator reading one line knows which cluster to look at.
 */
export function etcdUnavailable(err: unknown, hosts: readonly string[]): GatehouseError {
  if (err instanceof GatehouseError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new GatehouseError(
    'GH_ERR_STORE_UNAVAILABLE',
    `etcd (${hosts.join(', ')}) is unavailable: ${reason}`,
    { cause: err },
  );
}

export function etcdConflict(key: string, expected: number): GatehouseError {
  return new GatehouseError(
    'GH_ERR_STORE_CONFLICT',
    `value changed before overwritten: ${key} is no longer at revision ${expected}`,
  );
}

export function etcdClosed(hosts: readonly string[]): GatehouseError {
  return new GatehouseError('GH_ERR_STORE_CLOSED', `etcd store (${hosts.join(', ')}) was closed`);
}
