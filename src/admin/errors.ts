import { GatehouseError, isGatehouseError } from '../core/errors.js';
import type { Reply } from './types.js';

/** 400 `{"error_msg": message}`, the answer to every invalid request. */
export function badRequest(message: string): GatehouseError {
  return new GatehouseError('GH_ERR_ADMIN_BAD_REQUEST', message);
}

/** 404 with APISIX's etcd-layer body, which uses `message` rather than `error_msg`. */
export function keyNotFound(): GatehouseError {
  return new GatehouseError('GH_ERR_ADMIN_NOT_FOUND', 'Key not found', {
    body: { message: 'Key not found' },
  });
}

export function notFound(message: string): GatehouseError {
  return new GatehouseError('GH_ERR_ADMIN_NOT_FOUND', message);
}

/** 405 `not supported \`POST\` method for consumer`. */
export function methodNotSupported(method: string, kind: string): GatehouseError {
  return new GatehouseError(
    'GH_ERR_ADMIN_METHOD',
    `not supported \`${method}\` method for ${kind}`,
  );
}

/**
 * The reply for an error: a GatehouseError answers with its status and body (or
 * `{"error_msg": message}`), store failures with 503 as APISIX answers etcd failures.
 * Anything else is a bug: 500, with the error as `failure` for the caller to log.
 */
export function failed(err: unknown): Reply & { failure?: unknown } {
  if (isGatehouseError(err)) {
    return { status: err.status, body: err.body ?? { error_msg: err.message } };
  }
  return { status: 500, body: { error_msg: 'internal server error' }, failure: err };
}
