import { describe, test } from 'node:test';
import { runCheck, type CheckCase } from './helpers.js';
import { TEST_CERT, TEST_KEY } from './pem-fixture.js';

const NODES = { '127.0.0.1:1980': 1 };

const cases: CheckCase[] = [
  { desc: 'accepts map-form nodes', value: { nodes: NODES } },
  {
    desc: 'accepts array-form nodes with a bracketed IPv6 host',
    value: { nodes: [{ host: '[::1]', port: 80, weight: 1, priority: 1 }] },
  },
  {
    desc: 'accepts service discovery instead of nodes',
    value: { service_name: 'svc', discovery_type: 'dns' },
  },
  {
    desc: 'rejects an upstream with neither nodes nor discovery',
    value: { type: 'roundrobin' },
    error: 'invalid configuration: value should match only one schema, but matches none',
  },
  {
    desc: 'rejects a bare IPv6 node host before the schema',
    value: { nodes: [{ host: '::1', port: 80, weight: 1 }], foo: 1 },
    error: "invalid configuration: IPv6 address must be enclosed with '[' and ']'",
  },
  {
    desc: 'rejects port 0 of a map-form node',
    value: { nodes: { '127.0.0.1:0': 1 } },
    error: 'invalid port 0',
  },
  {
    desc: 'rejects port 65536 of a map-form node',
    value: { nodes: { '127.0.0.1:65536': 1 } },
    error: 'invalid port 65536',
  },
  {
    desc: 'accepts any balancer type name (APISIX fails at request time)',
    value: { nodes: NODES, type: 'whatever' },
  },
  {
    desc: 'rejects pass_host rewrite without upstream_host',
    value: { nodes: NODES, pass_host: 'rewrite' },
    error: "`upstream_host` can't be empty when `pass_host` is `rewrite`",
  },
  {
    desc: 'accepts pass_host rewrite with upstream_host',
    value: { nodes: NODES, pass_host: 'rewrite', upstream_host: 'a.com' },
  },
  {
    desc: 'rejects chash without key (default hash_on vars)',
    value: { nodes: NODES, type: 'chash' },
    error: 'missing key',
  },
  {
    desc: 'rejects chash on header without key',
    value: { nodes: NODES, type: 'chash', hash_on: 'header' },
    error: 'missing key',
  },
  {
    desc: 'accepts chash on consumer without key',
    value: { nodes: NODES, type: 'chash', hash_on: 'consumer' },
  },
  {
    desc: 'rejects a chash vars key that is not a known variable',
    value: { nodes: NODES, type: 'chash', key: 'not_support' },
    error:
      'invalid configuration: failed to match pattern "^((uri|server_name|server_addr|request_uri|remote_port|remote_addr|query_string|host|hostname|mqtt_client_id)|arg_[0-9a-zA-z_-]+)$" with "not_support"',
  },
  {
    desc: 'rejects a chash header key with bad characters',
    value: { nodes: NODES, type: 'chash', hash_on: 'header', key: '$#^@' },
    error: 'invalid configuration: failed to match pattern "^[a-zA-Z0-9-_]+$" with "$#^@"',
  },
  {
    desc: 'accepts a chash arg_ key',
    value: { nodes: NODES, type: 'chash', key: 'arg_device_id' },
  },
  {
    desc: 'rejects checks without active',
    value: { nodes: NODES, checks: { passive: {} } },
    error:
      'invalid configuration: property "checks" validation failed: object matches none of the required: ["active"] or ["active","passive"]',
  },
  {
    desc: 'rejects duplicate health-check statuses',
    value: { nodes: NODES, checks: { active: { healthy: { http_statuses: [200, 200] } } } },
    error:
      'invalid configuration: property "checks" validation failed: property "active" validation failed: property "healthy" validation failed: property "http_statuses" validation failed: expected unique items but items 1 and 2 are equal',
  },
  {
    desc: 'rejects a tls client_cert without client_key',
    value: { nodes: NODES, tls: { client_cert: TEST_CERT } },
    error:
      'invalid configuration: property "tls" validation failed: failed to validate dependent schema for "client_cert": property "client_key" is required',
  },
  {
    desc: 'accepts a tls client cert and key that parse',
    value: { nodes: NODES, tls: { client_cert: TEST_CERT, client_key: TEST_KEY } },
  },
  {
    desc: 'rejects a tls client cert that does not parse',
    value: { nodes: NODES, tls: { client_cert: 'x'.repeat(128), client_key: TEST_KEY } },
    error: 'failed to parse cert: PEM_read_bio_X509_AUX() failed',
  },
  {
    desc: 'rejects a tls client_cert_id that does not exist',
    value: { nodes: NODES, tls: { client_cert_id: 1 } },
    error: 'failed to fetch ssl info by ssl id [1], response code: 404',
  },
  {
    desc: 'rejects a tls client_cert_id of a server ssl',
    value: { nodes: NODES, tls: { client_cert_id: 1 } },
    store: { 'ssls/1': { type: 'server' } },
    error: 'failed to fetch ssl info by ssl id [1], wrong ssl type',
  },
  {
    desc: 'accepts a tls client_cert_id of a client ssl',
    value: { nodes: NODES, tls: { client_cert_id: 1 } },
    store: { 'ssls/1': { type: 'client' } },
  },
  {
    desc: 'rejects a retries below zero',
    value: { nodes: NODES, retries: -1 },
    error:
      'invalid configuration: property "retries" validation failed: expected -1 to be at least 0',
  },
];

void describe('upstreams check', () => {
  for (const c of cases) void test(c.desc, () => runCheck('upstreams', c));
});
