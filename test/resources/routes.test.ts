import { describe, test } from 'node:test';
import { runCheck, type CheckCase } from './helpers.js';

const UP = { nodes: { '127.0.0.1:1980': 1 }, type: 'roundrobin' };

const cases: CheckCase[] = [
  { desc: 'accepts a route with uri and an inline upstream', value: { uri: '/a', upstream: UP } },
  { desc: 'accepts a route with uris', value: { uris: ['/a', '/b'], upstream: UP } },
  {
    desc: 'accepts a route whose upstream_id exists',
    value: { uri: '/a', upstream_id: 1 },
    store: { 'upstreams/1': UP },
  },
  {
    desc: 'rejects a route whose upstream_id does not exist',
    value: { uri: '/a', upstream_id: 9999 },
    error: 'failed to fetch upstream info by upstream id [9999], response code: 404',
  },
  {
    desc: 'rejects a route whose service_id does not exist',
    value: { uri: '/a', service_id: 's1' },
    error: 'failed to fetch service info by service id [s1], response code: 404',
  },
  {
    desc: 'rejects a route whose plugin_config_id does not exist',
    value: { uri: '/a', upstream: UP, plugin_config_id: 7 },
    error: 'failed to fetch plugin config info by plugin config id [7], response code: 404',
  },
  {
    desc: 'skips reference checks when loading',
    value: { uri: '/a', upstream_id: 9999 },
    mode: 'load',
  },
  {
    desc: 'rejects a uri of the wrong type',
    value: { uri: 1, upstream: UP },
    error:
      'invalid configuration: property "uri" validation failed: wrong type: expected string, got number',
  },
  {
    desc: 'rejects an empty uri',
    value: { uri: '', upstream: UP },
    error:
      'invalid configuration: property "uri" validation failed: string too short, expected at least 1, got 0',
  },
  {
    desc: 'rejects empty uris',
    value: { uris: [], upstream: UP },
    error:
      'invalid configuration: property "uris" validation failed: expect array to have at least 1 items',
  },
  {
    desc: 'rejects a route without uri or uris',
    value: { upstream: UP },
    error:
      'invalid configuration: allOf 1 failed: value should match only one schema, but matches none',
  },
  {
    desc: 'rejects an unknown field',
    value: { uri: '/a', upstream: UP, foo: 1 },
    error: 'invalid configuration: additional properties forbidden, found foo',
  },
  {
    desc: 'rejects a status outside 0/1',
    value: { uri: '/a', upstream: UP, status: 3 },
    error:
      'invalid configuration: property "status" validation failed: matches none of the enum values',
  },
  {
    desc: 'rejects an invalid id',
    value: { uri: '/a', upstream: UP, id: 'a b' },
    error:
      'invalid configuration: property "id" validation failed: object matches none of the required',
  },
  {
    desc: 'rejects an unknown method',
    value: { uri: '/a', upstream: UP, methods: ['GET', 'FOO'] },
    error:
      'invalid configuration: property "methods" validation failed: failed to validate item 2: matches none of the enum values',
  },
  {
    desc: 'rejects host together with hosts before the schema',
    value: { uri: '/a', upstream: UP, host: 'a.com', hosts: ['b.com'] },
    error: 'only one of host or hosts is allowed',
  },
  {
    desc: 'rejects remote_addr together with remote_addrs',
    value: { uri: '/a', upstream: UP, remote_addr: '127.0.0.1', remote_addrs: ['10.0.0.0/8'] },
    error: 'only one of remote_addr or remote_addrs is allowed',
  },
  {
    desc: 'rejects a remote_addr that is not an IP or CIDR',
    value: { uri: '/a', upstream: UP, remote_addr: '10.0.0.300' },
    error:
      'invalid configuration: property "remote_addr" validation failed: object matches none of the required',
  },
  {
    desc: 'accepts IPv4/IPv6 addresses and CIDRs',
    value: {
      uri: '/a',
      upstream: UP,
      remote_addrs: ['10.0.0.1', '10.0.0.0/8', '::1', 'fe80::/10'],
    },
  },
  {
    desc: 'rejects a timeout of zero',
    value: { uri: '/a', upstream: UP, timeout: { connect: 0, send: 1, read: 1 } },
    error:
      'invalid configuration: property "timeout" validation failed: property "connect" validation failed: expected 0 to be greater than 0',
  },
  {
    desc: 'rejects a route with neither plugins nor an upstream',
    value: { uri: '/a' },
    error:
      'invalid configuration: object matches none of the required: ["plugins","uri"] or ["upstream","uri"] or ["upstream_id","uri"] or ["service_id","uri"] or ["plugins","uris"] or ["upstream","uris"] or ["upstream_id","uris"] or ["service_id","uris"] or ["script","uri"] or ["script","uris"]',
  },
  {
    desc: 'rejects create_time on create',
    value: { uri: '/a', upstream: UP, create_time: 1 },
    error: 'the property is forbidden:  create_time',
  },
  {
    desc: 'rejects update_time inside the upstream on create',
    value: { uri: '/a', upstream: { ...UP, update_time: 1 } },
    error: 'the property is forbidden:  upstream.update_time',
  },
  {
    desc: 'allows timestamps on patch',
    value: { uri: '/a', upstream: UP, create_time: 1, update_time: 2 },
    mode: 'patch',
  },
  {
    desc: 'validates the inline upstream with the upstream checks',
    value: { uri: '/a', upstream: { nodes: [{ host: '::1', port: 80, weight: 1 }] } },
    error: "invalid configuration: IPv6 address must be enclosed with '[' and ']'",
  },
  {
    desc: 'nests inline upstream schema errors',
    value: { uri: '/a', upstream: { nodes: { 'a:80': -1 } } },
    error:
      'invalid configuration: property "upstream" validation failed: property "nodes" validation failed: object matches none of the required',
  },
  {
    desc: 'rejects an unknown plugin',
    value: { uri: '/a', plugins: { nope: {} } },
    error: 'unknown plugin [nope]',
  },
  {
    desc: 'accepts a valid vars expression',
    value: {
      uri: '/a',
      upstream: UP,
      vars: [
        ['arg_a', '==', '1'],
        ['http_x', '~~', '^a'],
      ],
    },
  },
  {
    desc: 'rejects a vars expression with a wrong operator',
    value: { uri: '/a', upstream: UP, vars: [['arg_a', '=', '1']] },
    error: "failed to validate the 'vars' expression: invalid operator '='",
  },
  {
    desc: 'accepts a JavaScript filter_func',
    value: {
      uri: '/a',
      upstream: UP,
      filter_func: 'function(vars) { return vars.arg_a === "1"; }',
    },
  },
  {
    desc: 'rejects a Lua filter_func saying JavaScript is expected',
    value: { uri: '/a', upstream: UP, filter_func: 'function(vars) return vars.arg_a == "1" end' },
    error:
      "failed to load 'filter_func' string: Lua is not supported, 'filter_func' must be a JavaScript function",
  },
  {
    desc: 'rejects a filter_func that does not start with function',
    value: { uri: '/a', upstream: UP, filter_func: '(vars) => true;;;' },
    error:
      'invalid configuration: property "filter_func" validation failed: failed to match pattern "^function" with "(vars) => true;;;"',
  },
  {
    desc: 'rejects a Lua script',
    value: { uri: '/a', script: 'local _M = {} return _M' },
    error: "failed to load 'script' string: Lua scripts are not supported by Gatehouse",
  },
];

void describe('routes check', () => {
  for (const c of cases) void test(c.desc, () => runCheck('routes', c));
});
