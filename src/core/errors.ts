import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * The one error class Gatehouse throws on purpose. `code` says what went wrong, `status` is the
 * HTTP status an API answers with, `body` (optional) is the exact JSON body APISIX would send.
 *
 * @example
 *   throw new GatehouseError('GH_ERR_ADMIN_BAD_REQUEST', 'missing route id');
 */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly body: Record<string, unknown> | string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { status?: number; body?: Record<string, unknown> | string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GatehouseError';
    this.code = code;
    this.status = opts.status ?? ERROR_CODES[code].status;
    this.body = opts.body;
  }
}

export function isGatehouseError(err: unknown, code?: ErrorCode): err is GatehouseError {
  return err instanceof GatehouseError && (code === undefined || err.code === code);
}
