/**
 * Every coded error Gatehouse raises, with the HTTP status it maps to.
 * docs/errors.md lists the same codes; test/core/error-codes.test.ts keeps the two in sync.
 */
export const ERROR_CODES = {
  GH_ERR_CONFIG_INVALID: {
    status: 500,
    doc: 'config.yaml has a wrong type, an unknown key or a bad value',
  },
  GH_ERR_CONFIG_FILE: { status: 500, doc: 'a configuration file cannot be read or parsed' },
  GH_ERR_CONFIG_ENV: {
    status: 500,
    doc: 'a ${{VAR}} reference names an unset environment variable with no default',
  },
  GH_ERR_STORE_UNAVAILABLE: {
    status: 503,
    doc: 'the config store cannot be reached or failed the operation',
  },
  GH_ERR_STORE_READ_ONLY: {
    status: 400,
    doc: 'a write was attempted on a read-only store (yaml standalone mode)',
  },
  GH_ERR_STORE_COMPACTED: {
    status: 500,
    doc: 'a watch asked for a revision that has been compacted away',
  },
  GH_ERR_STORE_CONFLICT: {
    status: 503,
    doc: 'a compare-and-set write found the key modified since it was read',
  },
  GH_ERR_STORE_LOCKED: { status: 500, doc: 'another Gatehouse process holds the embedded store' },
  GH_ERR_STORE_CLOSED: { status: 503, doc: 'the store was used after close()' },
  GH_ERR_ADMIN_BAD_REQUEST: {
    status: 400,
    doc: 'the Admin API request is invalid (body, id, schema, reference)',
  },
  GH_ERR_ADMIN_UNAUTHORIZED: {
    status: 401,
    doc: 'missing or wrong admin key, or a method the key role may not use',
  },
  GH_ERR_ADMIN_FORBIDDEN: {
    status: 403,
    doc: 'the client address is not in deployment.admin.allow_admin',
  },
  GH_ERR_ADMIN_NOT_FOUND: { status: 404, doc: 'the resource, key or endpoint does not exist' },
  GH_ERR_ADMIN_METHOD: { status: 405, doc: 'the resource does not support this method' },
  GH_ERR_PLUGIN_INVALID: {
    status: 500,
    doc: 'a plugin definition is invalid (duplicate name or priority, bad schema)',
  },
  GH_ERR_BALANCER_UNKNOWN_TYPE: {
    status: 502,
    doc: 'an upstream names a balancer type that does not exist (the request fails, as in APISIX)',
  },
  GH_ERR_TLS_CERTIFICATE: {
    status: 500,
    doc: 'an SSL object cannot serve handshakes (bad PEM, undecryptable key, unresolved reference)',
  },
  GH_ERR_CLUSTER_WORKER_START: {
    status: 500,
    doc: 'a worker did not become ready (a listener could not bind, the state failed to load, a timeout)',
  },
  GH_ERR_CLI_USAGE: { status: 400, doc: 'the command line is wrong' },
  GH_ERR_CLI_ALREADY_RUNNING: {
    status: 500,
    doc: 'start found a live gateway process in the pid file',
  },
  GH_ERR_CLI_START_FAILED: {
    status: 500,
    doc: 'start --daemon: the background process exited or never reported ready',
  },
  GH_ERR_CLI_STOP_TIMEOUT: {
    status: 500,
    doc: 'stop: the gateway did not exit within the wait',
  },
  GH_ERR_CLI_NOT_RUNNING: {
    status: 500,
    doc: 'stop/reload found no running instance (no pid file or dead pid)',
  },
} as const satisfies Record<string, { status: number; doc: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
