import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configFromObject, loadConfig } from '../../src/config/load.js';

const file = 'conf/config.yaml';

void test('${{VAR}} is substituted in values', () => {
  const config = configFromObject(
    { deployment: { etcd: { prefix: '${{ETCD_PREFIX}}', host: ['http://${{ETCD_HOST}}:2379'] } } },
    { env: { ETCD_PREFIX: '/gw', ETCD_HOST: '10.0.0.1' } },
  );
  assert.equal(config.deployment.etcd.prefix, '/gw');
  assert.deepEqual(config.deployment.etcd.host, ['http://10.0.0.1:2379']);
});

void test('${{VAR:=default}} falls back to the default when VAR is unset', () => {
  const config = configFromObject(
    { deployment: { etcd: { prefix: '${{ ETCD_PREFIX:= /fallback }}' } } },
    { env: {} },
  );
  assert.equal(config.deployment.etcd.prefix, '/fallback');
});

void test('a set variable wins over its default, even when empty', () => {
  const config = configFromObject(
    { apisix: { router: { http: 'r${{R:=x}}' } } },
    { env: { R: '' } },
  );
  assert.equal(config.apisix.router.http, 'r');
});

void test('a substituted value that reads as a number or boolean is converted', () => {
  const config = configFromObject(
    { apisix: { node_listen: ['${{PORT}}'], enable_control: '${{CONTROL}}' } },
    { env: { PORT: '9081', CONTROL: 'false' } },
  );
  assert.deepEqual(config.apisix.node_listen, [{ ip: '0.0.0.0', port: 9081 }]);
  assert.equal(config.apisix.enable_control, false);
});

void test('variables are substituted in keys', () => {
  const config = configFromObject(
    { plugin_attr: { '${{NAME}}': { a: 1 } } },
    { env: { NAME: 'my-plugin' } },
  );
  assert.deepEqual(config.plugin_attr['my-plugin'], { a: 1 });
});

void test('a missing variable without default is an error naming the variable and the file', () => {
  assert.throws(
    () =>
      configFromObject(
        { deployment: { admin: { admin_key: [{ key: '${{ADMIN_KEY}}', role: 'admin' }] } } },
        { file, env: {} },
      ),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'GH_ERR_CONFIG_ENV');
      assert.match(err.message, /^conf\/config\.yaml: deployment\.admin\.admin_key\[0\]\.key: /);
      assert.match(err.message, /ADMIN_KEY is not set/);
      return true;
    },
  );
});

void test('substitution happens when reading a file too', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gh-env-'));
  writeFileSync(path.join(dir, 'config.yaml'), 'apisix:\n  node_listen: ${{GH_PORT:=9099}}\n');
  const config = loadConfig({ file: path.join(dir, 'config.yaml'), env: {} });
  assert.deepEqual(config.apisix.node_listen, [{ ip: '0.0.0.0', port: 9099 }]);
});
