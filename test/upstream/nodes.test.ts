import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normaliseNodes, splitAddress } from '../../src/upstream/nodes.js';

void describe('normaliseNodes', () => {
  const cases: {
    desc: string;
    nodes: Parameters<typeof normaliseNodes>[0];
    scheme?: string;
    want: unknown[];
  }[] = [
    {
      desc: 'map form with ports',
      nodes: { '10.0.0.1:8080': 2, 'a.example:81': 0 },
      want: [
        { host: '10.0.0.1', port: 8080, weight: 2, priority: 0, key: '10.0.0.1:8080' },
        { host: 'a.example', port: 81, weight: 0, priority: 0, key: 'a.example:81' },
      ],
    },
    {
      desc: 'map form without port takes the scheme default',
      nodes: { '10.0.0.1': 1 },
      scheme: 'https',
      want: [{ host: '10.0.0.1', port: 443, weight: 1, priority: 0, key: '10.0.0.1:443' }],
    },
    {
      desc: 'map form IPv6 in brackets, with and without port',
      nodes: { '[::1]:80': 1, '[fe80::2]': 1 },
      scheme: 'grpc',
      want: [
        { host: '::1', port: 80, weight: 1, priority: 0, key: '[::1]:80' },
        { host: 'fe80::2', port: 80, weight: 1, priority: 0, key: '[fe80::2]:80' },
      ],
    },
    {
      desc: 'array form keeps priority, defaults it to 0 and fills ports',
      nodes: [
        { host: '10.0.0.1', port: 80, weight: 1, priority: 5 },
        { host: 'b.example', weight: 3 },
      ],
      scheme: 'grpcs',
      want: [
        { host: '10.0.0.1', port: 80, weight: 1, priority: 5, key: '10.0.0.1:80' },
        { host: 'b.example', port: 443, weight: 3, priority: 0, key: 'b.example:443' },
      ],
    },
    {
      desc: 'array form IPv6, bracketed or bare',
      nodes: [
        { host: '[::1]', port: 9000, weight: 1 },
        { host: '2001:db8::1', port: 9001, weight: 1 },
      ],
      want: [
        { host: '::1', port: 9000, weight: 1, priority: 0, key: '[::1]:9000' },
        { host: '2001:db8::1', port: 9001, weight: 1, priority: 0, key: '[2001:db8::1]:9001' },
      ],
    },
    {
      desc: 'L4 scheme fills no port',
      nodes: { '10.0.0.1': 1 },
      scheme: 'tcp',
      want: [{ host: '10.0.0.1', port: 0, weight: 1, priority: 0, key: '10.0.0.1:0' }],
    },
    { desc: 'empty map', nodes: {}, want: [] },
  ];
  for (const c of cases) {
    void test(c.desc, () => {
      assert.deepEqual(normaliseNodes(c.nodes, c.scheme), c.want);
    });
  }
  void test('http is the default scheme', () => {
    assert.equal(normaliseNodes({ 'a.example': 1 })[0]?.port, 80);
  });
});

void test('splitAddress parses host[:port] keys, bare IPv6 taken whole', () => {
  assert.deepEqual(splitAddress('1.2.3.4:5'), { host: '1.2.3.4', port: 5 });
  assert.deepEqual(splitAddress('[::1]:80'), { host: '::1', port: 80 });
  assert.deepEqual(splitAddress('[::1]'), { host: '::1' });
  assert.deepEqual(splitAddress('::1'), { host: '::1' });
  assert.deepEqual(splitAddress('host.example'), { host: 'host.example' });
});
