import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromObject } from '../../src/config/load.js';

const file = 'conf/config.yaml';

void test('objects merge key by key over the defaults', () => {
  const config = configFromObject({ deployment: { admin: { admin_listen: { port: 9280 } } } });
  assert.deepEqual(config.deployment.admin.admin_listen, { ip: '127.0.0.1', port: 9280 });
  assert.equal(config.deployment.admin.enable_admin_cors, true);
});

void test('arrays replace the default array entirely', () => {
  const config = configFromObject({ plugins: ['key-auth', 'limit-count'] });
  assert.deepEqual(config.plugins, ['key-auth', 'limit-count']);
});

void test('a YAML null deletes the key', () => {
  const config = configFromObject({ deployment: { admin: { allow_admin: null } }, plugins: null });
  assert.deepEqual(config.deployment.admin.allow_admin, []);
  assert.deepEqual(config.plugins, []);
  assert.equal('plugins' in config.raw, false);
});

void test('keys unknown to the defaults are kept in raw', () => {
  const config = configFromObject({ apisix: { extra_lua_path: '/x/?.lua' } });
  assert.equal((config.raw['apisix'] as Record<string, unknown>)['extra_lua_path'], '/x/?.lua');
});

void test('an unknown top-level key is an error naming the file and the key', () => {
  assert.throws(() => configFromObject({ etcd: { host: [] } }, { file }), {
    code: 'GH_ERR_CONFIG_INVALID',
    message: 'conf/config.yaml: etcd: unknown top-level key',
  });
});

void test('APISIX optional top-level sections are accepted', () => {
  assert.doesNotThrow(() => configFromObject({ discovery: { dns: {} }, wasm: {}, xrpc: {} }));
});

void test('a type different from the default is an error naming the key path', () => {
  assert.throws(
    () => configFromObject({ deployment: { admin: { allow_admin: '127.0.0.1' } } }, { file }),
    {
      code: 'GH_ERR_CONFIG_INVALID',
      message: 'conf/config.yaml: deployment.admin.allow_admin: expected array, got string',
    },
  );
  assert.throws(() => configFromObject({ apisix: { enable_admin: 'yes' } }, { file }), {
    message: 'conf/config.yaml: apisix.enable_admin: expected boolean, got string',
  });
  assert.throws(() => configFromObject({ deployment: 'traditional' }, { file }), {
    message: 'conf/config.yaml: deployment: expected object, got string',
  });
});

void test('APISIX type exceptions: nginx_config numbers/strings, node_listen number, keyring string', () => {
  const config = configFromObject({
    nginx_config: { worker_processes: 4, http: { client_max_body_size: '8m' } },
    apisix: { node_listen: 9081, data_encryption: { keyring: 'abcdefghijklmnop' } },
  });
  assert.equal(config.nginx_config.worker_processes, 4);
  assert.deepEqual(config.apisix.node_listen, [{ ip: '0.0.0.0', port: 9081 }]);
  assert.deepEqual(config.apisix.data_encryption.keyring, ['abcdefghijklmnop']);
});

void test('schema errors name the key path with array indexes', () => {
  assert.throws(
    () =>
      configFromObject(
        { deployment: { admin: { admin_key: [{ name: 'a', key: 5, role: 'admin' }] } } },
        { file },
      ),
    { message: 'conf/config.yaml: deployment.admin.admin_key[0].key: expected string, got number' },
  );
  assert.throws(
    () =>
      configFromObject(
        { deployment: { admin: { admin_key: [{ name: 'a', key: 'k', role: 'root' }] } } },
        { file },
      ),
    {
      message:
        'conf/config.yaml: deployment.admin.admin_key[0].role: must be one of "admin", "viewer", got "root"',
    },
  );
  assert.throws(() => configFromObject({ apisix: { proxy_mode: 'tcp' } }, { file }), {
    message:
      /^conf\/config\.yaml: apisix\.proxy_mode: must be one of "http", "stream", "http&stream"/,
  });
  assert.throws(
    () => configFromObject({ deployment: { admin: { admin_listen: { port: 70000 } } } }, { file }),
    {
      message: 'conf/config.yaml: deployment.admin.admin_listen.port: must be <= 65535',
    },
  );
});

void test('a listen port out of range is refused in the bare and the object form', () => {
  assert.throws(() => configFromObject({ apisix: { node_listen: [70000] } }, { file }), {
    message: 'conf/config.yaml: apisix.node_listen[0]: must be <= 65535',
  });
  assert.throws(() => configFromObject({ apisix: { node_listen: [{ port: 70000 }] } }, { file }), {
    message: 'conf/config.yaml: apisix.node_listen[0].port: must be <= 65535',
  });
});

void test('allow_admin entries that are not IPs or CIDRs are refused, naming the entry', () => {
  assert.throws(
    () =>
      configFromObject(
        { deployment: { admin: { allow_admin: ['127.0.0.1', 'not-a-cidr'] } } },
        { file },
      ),
    {
      message: 'conf/config.yaml: deployment.admin.allow_admin[1]: invalid ip address: not-a-cidr',
    },
  );
  assert.throws(
    () => configFromObject({ deployment: { admin: { allow_admin: ['10.0.0.0/33'] } } }, { file }),
    { message: /allow_admin\[0\]: invalid ip address: 10\.0\.0\.0\/33$/ },
  );
  const ok = configFromObject(
    { deployment: { admin: { allow_admin: ['10.0.0.0/8', '::1/128'] } } },
    { file },
  );
  assert.deepEqual(ok.deployment.admin.allow_admin, ['10.0.0.0/8', '::1/128']);
});

void test('unknown keys in the gatehouse section are rejected', () => {
  assert.throws(() => configFromObject({ gatehouse: { datadir: 'x' } }, { file }), {
    message: 'conf/config.yaml: gatehouse.datadir: unknown key',
  });
});

void test('enable_dev_mode forces one worker', () => {
  const config = configFromObject({ apisix: { enable_dev_mode: true } });
  assert.equal(config.nginx_config.worker_processes, 1);
});
