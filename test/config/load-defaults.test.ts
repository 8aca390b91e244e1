import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configFromObject, loadConfig } from '../../src/config/load.js';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'gh-config-'));
}

void test('an absent default config.yaml means built-in defaults only', () => {
  const dir = tempDir();
  const config = loadConfig({ cwd: dir, env: {} });
  assert.equal(config.file, undefined);
  assert.equal(config.prefix, dir);
  assert.deepEqual(config.apisix.node_listen, [{ ip: '0.0.0.0', port: 9080 }]);
  assert.deepEqual(config.apisix.ssl.listen, [{ ip: '0.0.0.0', port: 9443 }]);
  assert.deepEqual(config.deployment.admin.admin_listen, { ip: '127.0.0.1', port: 9180 });
  assert.deepEqual(config.deployment.admin.allow_admin, ['127.0.0.0/24', '::1/128']);
  assert.deepEqual(config.deployment.admin.admin_key, [{ name: 'admin', key: '', role: 'admin' }]);
  assert.equal(config.deployment.role, 'traditional');
  assert.equal(config.deployment.config_provider, 'embedded');
  assert.equal(config.deployment.etcd.prefix, '/apisix');
  assert.deepEqual(config.apisix.control, { ip: '127.0.0.1', port: 9090 });
  assert.equal(config.apisix.proxy_mode, 'http');
  assert.equal(config.apisix.router.http, 'radixtree_host_uri');
  assert.equal(config.nginx_config.worker_processes, 'auto');
  assert.deepEqual(config.apisix.data_encryption.keyring, ['qeddd145sfvddff3', 'edd1c9f0985e76a2']);
});

void test('defaults enable APISIX 3.x plugin lists', () => {
  const config = configFromObject({});
  assert.equal(config.plugins[0], 'real-ip');
  assert.ok(config.plugins.includes('key-auth'));
  assert.ok(config.plugins.includes('prometheus'));
  assert.ok(!config.plugins.includes('server-info'), 'server-info is commented out in APISIX');
  assert.deepEqual(config.stream_plugins, [
    'ip-restriction',
    'limit-conn',
    'mqtt-proxy',
    'syslog',
    'traffic-split',
  ]);
});

void test('gatehouse paths resolve against the prefix', () => {
  const dir = tempDir();
  const config = configFromObject({ gatehouse: { data_dir: '/var/lib/gh' } }, { prefix: dir });
  assert.equal(config.gatehouse.data_dir, '/var/lib/gh');
  assert.equal(config.gatehouse.pid_file, path.join(dir, 'logs/gatehouse.pid'));
  assert.equal(config.gatehouse.standalone_file, path.join(dir, 'conf/apisix.yaml'));
  assert.equal(config.gatehouse.admin_max_body_size, 1572864);
});

void test('the loaded config is deeply frozen', () => {
  const config = configFromObject({});
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.deployment.admin.admin_listen));
  assert.ok(Object.isFrozen(config.plugins));
  assert.throws(() => config.plugins.push('x'));
});

void test('prefix is the parent of a conf/ directory holding the file', () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'conf'));
  writeFileSync(path.join(dir, 'conf', 'config.yaml'), 'apisix:\n  enable_control: false\n');
  const config = loadConfig({ file: path.join(dir, 'conf', 'config.yaml'), env: {} });
  assert.equal(config.prefix, dir);
  assert.equal(config.file, path.join(dir, 'conf', 'config.yaml'));
  assert.equal(config.apisix.enable_control, false);
});

void test('prefix is the file directory when it is not named conf', () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'gw.yaml'), '');
  const config = loadConfig({ file: path.join(dir, 'gw.yaml'), env: {} });
  assert.equal(config.prefix, dir);
  assert.equal(config.gatehouse.data_dir, path.join(dir, 'data'));
});

void test('an explicit prefix wins and locates conf/config.yaml', () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'conf'));
  writeFileSync(path.join(dir, 'conf', 'config.yaml'), 'apisix:\n  node_listen: 9081\n');
  const config = loadConfig({ prefix: dir, cwd: '/', env: {} });
  assert.equal(config.prefix, dir);
  assert.deepEqual(config.apisix.node_listen, [{ ip: '0.0.0.0', port: 9081 }]);
});

void test('an explicit config file that does not exist is an error naming it', () => {
  const dir = tempDir();
  assert.throws(() => loadConfig({ file: path.join(dir, 'nope.yaml'), cwd: dir, env: {} }), {
    code: 'GH_ERR_CONFIG_FILE',
    message: 'nope.yaml: cannot read: no such file',
  });
});

void test('an empty or comment-only config.yaml means defaults', () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'c.yaml'), '# nothing here\n');
  const config = loadConfig({ file: path.join(dir, 'c.yaml'), env: {} });
  assert.deepEqual(config.apisix.node_listen, [{ ip: '0.0.0.0', port: 9080 }]);
});

void test('invalid YAML is an error naming the file and position', () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'c.yaml'), 'apisix:\n  node_listen: [9080\n');
  assert.throws(
    () => loadConfig({ file: path.join(dir, 'c.yaml'), cwd: dir, env: {} }),
    (err: Error) => {
      assert.equal((err as { code?: string }).code, 'GH_ERR_CONFIG_FILE');
      assert.match(err.message, /^c\.yaml: invalid YAML: .*line/);
      assert.ok(!err.message.includes('\n'));
      return true;
    },
  );
});
