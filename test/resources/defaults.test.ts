import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceValue } from '../../src/resources/types.js';
import { kindOf } from './helpers.js';

const cases: { desc: string; dir: string; value: ResourceValue; want: ResourceValue }[] = [
  {
    desc: 'gives a route priority 0, status 1 and its upstream the upstream defaults',
    dir: 'routes',
    value: { uri: '/', upstream: { nodes: { 'a:80': 1 } } },
    want: {
      uri: '/',
      priority: 0,
      status: 1,
      upstream: {
        nodes: { 'a:80': 1 },
        type: 'roundrobin',
        hash_on: 'vars',
        pass_host: 'pass',
        scheme: 'http',
      },
    },
  },
  {
    desc: 'fills keepalive_pool and node priority only where they exist',
    dir: 'upstreams',
    value: { nodes: [{ host: 'a', port: 80, weight: 1 }], keepalive_pool: {} },
    want: {
      nodes: [{ host: 'a', port: 80, weight: 1, priority: 0 }],
      keepalive_pool: { size: 320, idle_timeout: 60, requests: 1000 },
      type: 'roundrobin',
      hash_on: 'vars',
      pass_host: 'pass',
      scheme: 'http',
    },
  },
  {
    desc: 'does not create health-check sub-objects that are absent',
    dir: 'upstreams',
    value: { nodes: {}, checks: { active: { http_path: '/status' } } },
    want: {
      nodes: {},
      checks: {
        active: {
          http_path: '/status',
          type: 'http',
          timeout: 1,
          concurrency: 10,
          http_method: 'GET',
          http_req_body: '',
          https_verify_certificate: true,
        },
      },
      type: 'roundrobin',
      hash_on: 'vars',
      pass_host: 'pass',
      scheme: 'http',
    },
  },
  {
    desc: 'gives an ssl type server and status 1',
    dir: 'ssls',
    value: { sni: 'a.com' },
    want: { sni: 'a.com', type: 'server', status: 1 },
  },
  {
    desc: 'gives an aws secret manager its default region',
    dir: 'secrets',
    value: { id: 'aws/1', access_key_id: 'a', secret_access_key: 'b' },
    want: { id: 'aws/1', access_key_id: 'a', secret_access_key: 'b', region: 'us-east-1' },
  },
];

void describe('withDefaults', () => {
  for (const c of cases) {
    void test(c.desc, () => {
      const before = structuredClone(c.value);
      assert.deepEqual(kindOf(c.dir).withDefaults(c.value), c.want);
      assert.deepEqual(c.value, before, 'the stored value is left alone');
    });
  }
});
