import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { gatewayDir, runCli } from './helpers.js';

const GOOD_STANDALONE = [
  'upstreams:',
  '  - id: 1',
  '    type: roundrobin',
  '    nodes: { "127.0.0.1:1980": 1 }',
  'routes:',
  '  - id: r1',
  '    uri: /hello',
  '    upstream_id: 1',
  '#END',
  '',
].join('\n');

void test('validate accepts a good config.yaml', async () => {
  const gw = await gatewayDir();
  const res = await runCli(['validate', '--config', gw.config], tmpdir());
  assert.equal(res.code, 0);
  assert.equal(res.stdout, 'configuration is valid\n');
});

void test('validate reports a bad config.yaml with exit 1', async () => {
  const gw = await gatewayDir('  plugins: 1\n');
  writeFileSync(gw.config, 'apisix:\n  node_listen: 9080\nroutes: []\n');
  const res = await runCli(['validate'], gw.prefix);
  assert.equal(res.code, 1);
  assert.equal(res.stderr, 'gatehouse: conf/config.yaml: routes: unknown top-level key\n');
});

void test('validate checks the standalone file when config_provider is yaml', async () => {
  const gw = await gatewayDir('  role_traditional: { config_provider: yaml }\n');
  writeFileSync(path.join(gw.prefix, 'conf', 'apisix.yaml'), GOOD_STANDALONE);
  const res = await runCli(['validate'], gw.prefix);
  assert.equal(res.stderr, '');
  assert.equal(res.code, 0);
  assert.equal(res.stdout, 'configuration is valid\n');
});

void test('validate --standalone names the file, resource and id of each problem', async () => {
  const gw = await gatewayDir();
  const file = path.join(gw.prefix, 'bad.yaml');
  writeFileSync(
    file,
    [
      'routes:',
      '  - id: r1',
      '    uri: /a',
      '    methods: [FETCH]',
      '  - id: r2',
      '    uri: 5',
      '    upstream: { nodes: { "127.0.0.1:1": 1 }, type: roundrobin }',
      'rotues: []',
      '#END',
      '',
    ].join('\n'),
  );
  const res = await runCli(['validate', '--standalone', 'bad.yaml'], gw.prefix);
  assert.equal(res.code, 1);
  assert.equal(res.stdout, '');
  const lines = res.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 3, res.stderr);
  assert.equal(lines[0], 'gatehouse: bad.yaml: rotues: unknown resource type');
  assert.match(lines[1] ?? '', /^gatehouse: bad\.yaml: routes r1: .*methods/);
  assert.match(lines[2] ?? '', /^gatehouse: bad\.yaml: routes r2: .*uri/);
});

void test('validate rejects a standalone file without #END', async () => {
  const gw = await gatewayDir();
  writeFileSync(path.join(gw.prefix, 'apisix.yaml'), GOOD_STANDALONE.replace('#END\n', ''));
  const res = await runCli(['validate', '--standalone', 'apisix.yaml'], gw.prefix);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /^gatehouse: apisix\.yaml: .*#END/);
});
