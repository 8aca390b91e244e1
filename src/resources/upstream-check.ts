import { isIPv6 } from 'node:net';
import { validateSchema } from '../core/schema.js';
import { fail, idString, isObject } from './fail.js';
import { checkCertKey } from './pem.js';
import type { CheckContext, CheckMode } from './types.js';
import {
  UPSTREAM_HASH_HEADER_SCHEMA,
  UPSTREAM_HASH_VARS_COMBINATIONS_SCHEMA,
  UPSTREAM_HASH_VARS_SCHEMA,
} from './upstream-schema.js';

/**
 * The upstream checks beyond the schema (APISIX `upstream.lua` `check_upstream_conf`), run for
 * upstreams and for the inline `upstream` of routes and services.
 */

/** Array-form nodes: a bare IPv6 host would make `host:port` ambiguous. */
export function checkIpv6Hosts(up: Record<string, unknown>): void {
  if (!Array.isArray(up.nodes)) return;
  for (const node of up.nodes) {
    const host = isObject(node) ? node.host : undefined;
    if (typeof host === 'string' && isIPv6(host)) {
      fail("invalid configuration: IPv6 address must be enclosed with '[' and ']'");
    }
  }
}

/** The port of a map-form node key (`host:port`, `[v6]:port`), if it has one. */
function portOf(addr: string): number | undefined {
  const m = addr.startsWith('[') ? /\]:(\d+)$/.exec(addr) : /^[^:]*:(\d+)$/.exec(addr);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

const HASH_KEY_SCHEMAS: Record<string, Record<string, unknown> | undefined> = {
  vars: UPSTREAM_HASH_VARS_SCHEMA,
  header: UPSTREAM_HASH_HEADER_SCHEMA,
  cookie: UPSTREAM_HASH_HEADER_SCHEMA,
  vars_combinations: UPSTREAM_HASH_VARS_COMBINATIONS_SCHEMA,
};

async function checkClientCertId(id: unknown, ctx: CheckContext): Promise<void> {
  const ssl = await ctx.get('ssls', idString(id));
  const prefix = `failed to fetch ssl info by ssl id [${idString(id)}]`;
  if (ssl === undefined) fail(`${prefix}, response code: 404`);
  if (ssl.type !== 'client') fail(`${prefix}, wrong ssl type`);
}

function checkChash(up: Record<string, unknown>): void {
  const hashOn = up.hash_on;
  if (hashOn !== 'consumer' && up.key === undefined) fail('missing key');
  if (typeof hashOn !== 'string') return;
  const schema = HASH_KEY_SCHEMAS[hashOn];
  if (schema === undefined) return;
  const err = validateSchema(schema, up.key);
  if (err !== undefined) fail(`invalid configuration: ${err}`);
}

/**
 * `up` has passed the upstream schema and carries its defaults. Reference checks (the
 * `tls.client_cert_id` ssl) are skipped when loading, as the data plane does.
 */
export async function checkUpstream(
  up: Record<string, unknown>,
  ctx: CheckContext,
  mode: CheckMode,
): Promise<void> {
  checkIpv6Hosts(up);
  if (isObject(up.nodes)) {
    for (const addr of Object.keys(up.nodes)) {
      const port = portOf(addr);
      if (port !== undefined && (port < 1 || port > 65535)) fail(`invalid port ${port}`);
    }
  }
  const tls = isObject(up.tls) ? up.tls : {};
  if (tls.client_cert_id !== undefined && mode !== 'load') {
    await checkClientCertId(tls.client_cert_id, ctx);
  }
  if (up.pass_host === 'rewrite' && (up.upstream_host === undefined || up.upstream_host === '')) {
    fail("`upstream_host` can't be empty when `pass_host` is `rewrite`");
  }
  if (typeof tls.client_cert === 'string' && typeof tls.client_key === 'string') {
    const err = checkCertKey(tls.client_cert, tls.client_key, mode !== 'load');
    if (err !== undefined) fail(err);
  }
  if (up.type === 'chash') checkChash(up);
}
