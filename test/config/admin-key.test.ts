import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateAdminKey, needsAdminKey, writeAdminKey } from '../../src/config/admin-key.js';
import { configFromObject, loadConfig } from '../../src/config/load.js';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'gh-key-'));
}

void test('generated keys are 32 random letters', () => {
  const a = generateAdminKey();
  const b = generateAdminKey();
  assert.match(a, /^[A-Za-z]{32}$/);
  assert.notEqual(a, b);
});

void test('a key is needed only when the Admin API requires one and none is set', () => {
  assert.equal(needsAdminKey(configFromObject({})), true);
  const withKey = {
    deployment: { admin: { admin_key: [{ name: 'a', key: 'k', role: 'admin' }] } },
  };
  assert.equal(needsAdminKey(configFromObject(withKey)), false);
  const notRequired = { deployment: { admin: { admin_key_required: false } } };
  assert.equal(needsAdminKey(configFromObject(notRequired)), false);
  const dataPlane = {
    deployment: { role: 'data_plane', role_data_plane: { config_provider: 'yaml' } },
  };
  assert.equal(needsAdminKey(configFromObject(dataPlane)), false);
  const viewerOnly = {
    deployment: { admin: { admin_key: [{ name: 'v', key: 'k', role: 'viewer' }] } },
  };
  assert.equal(needsAdminKey(configFromObject(viewerOnly)), true);
});

void test('writing a key creates config.yaml with mode 0600 when it is missing', () => {
  const dir = tempDir();
  const file = path.join(dir, 'conf', 'config.yaml');
  writeAdminKey(file, 'abcdefghijklmnopqrstuvwxyzABCDEF');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const config = loadConfig({ file, env: {} });
  assert.deepEqual(config.deployment.admin.admin_key, [
    { name: 'admin', key: 'abcdefghijklmnopqrstuvwxyzABCDEF', role: 'admin' },
  ]);
  assert.deepEqual(readdirSync(path.dirname(file)), ['config.yaml'], 'no temp file left');
});

void test('writing a key keeps the user comments and changes only admin_key', () => {
  const dir = tempDir();
  const file = path.join(dir, 'config.yaml');
  const before = [
    '# my gateway',
    'apisix:',
    '  node_listen: 9081 # public port',
    'deployment:',
    '  admin:',
    '    # who may call the Admin API',
    '    allow_admin:',
    '      - 127.0.0.0/24',
    '    admin_key:',
    '      - name: admin',
    '        key: "" # filled on first start',
    '        role: admin',
    '',
  ].join('\n');
  writeFileSync(file, before, { mode: 0o644 });
  writeAdminKey(file, 'KEYKEYKEYKEYKEYKEYKEYKEYKEYKEYKE');
  const after = readFileSync(file, 'utf8');
  assert.equal(after, before.replace('key: ""', 'key: "KEYKEYKEYKEYKEYKEYKEYKEYKEYKEYKE"'));
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

void test('writing a key adds admin_key when the file has none', () => {
  const dir = tempDir();
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, '# keep me\napisix:\n  enable_control: false\n');
  writeAdminKey(file, 'k'.repeat(32));
  const after = readFileSync(file, 'utf8');
  assert.ok(after.startsWith('# keep me\n'));
  const config = loadConfig({ file, env: {} });
  assert.equal(config.apisix.enable_control, false);
  assert.equal(config.deployment.admin.admin_key[0]?.key, 'k'.repeat(32));
});

void test('writing a key appends an admin entry when only viewer keys exist', () => {
  const dir = tempDir();
  const file = path.join(dir, 'config.yaml');
  writeFileSync(
    file,
    'deployment:\n  admin:\n    admin_key:\n      - name: ro\n        key: viewerkey\n        role: viewer\n',
  );
  writeAdminKey(file, 'a'.repeat(32));
  const config = loadConfig({ file, env: {} });
  assert.deepEqual(config.deployment.admin.admin_key, [
    { name: 'ro', key: 'viewerkey', role: 'viewer' },
    { name: 'admin', key: 'a'.repeat(32), role: 'admin' },
  ]);
});
