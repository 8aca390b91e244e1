import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromObject } from '../../src/config/load.js';

const file = 'conf/config.yaml';

void test('listen entries normalise from a port, {port} and {ip, port}', () => {
  const config = configFromObject({
    apisix: {
      node_listen: [9080, { port: 9081 }, { ip: '127.0.0.1', port: 9082 }],
      ssl: { listen: [{ port: 9443 }, { ip: '127.0.0.1', port: 9444 }] },
    },
  });
  assert.deepEqual(config.apisix.node_listen, [
    { ip: '0.0.0.0', port: 9080 },
    { ip: '0.0.0.0', port: 9081 },
    { ip: '127.0.0.1', port: 9082 },
  ]);
  assert.deepEqual(
    configFromObject({ apisix: { node_listen: [{ ip: '10.0.0.1' }] } }).apisix.node_listen,
    [{ ip: '10.0.0.1', port: 9080 }],
  );
  assert.deepEqual(config.apisix.ssl.listen, [
    { ip: '0.0.0.0', port: 9443 },
    { ip: '127.0.0.1', port: 9444 },
  ]);
});

void test('a repeated ip:port in node_listen is kept once', () => {
  const config = configFromObject({ apisix: { node_listen: [9080, { port: 9080 }] } });
  assert.deepEqual(config.apisix.node_listen, [{ ip: '0.0.0.0', port: 9080 }]);
});

void test('apisix.status is off unless set, then defaults to 127.0.0.1:7085', () => {
  assert.equal(configFromObject({}).apisix.status, undefined);
  assert.deepEqual(configFromObject({ apisix: { status: {} } }).apisix.status, {
    ip: '127.0.0.1',
    port: 7085,
  });
});

void test('listeners on the same port conflict', () => {
  assert.throws(() => configFromObject({ apisix: { node_listen: [9180] } }, { file }), {
    code: 'GH_ERR_CONFIG_INVALID',
    message:
      'conf/config.yaml: apisix.node_listen[0]: port 9180 conflicts with deployment.admin.admin_listen',
  });
  assert.throws(() => configFromObject({ apisix: { control: { port: 9180 } } }, { file }), {
    message:
      'conf/config.yaml: apisix.control: port 9180 conflicts with deployment.admin.admin_listen',
  });
  assert.throws(
    () => configFromObject({ apisix: { ssl: { listen: [{ port: 9080 }] } } }, { file }),
    {
      message:
        'conf/config.yaml: apisix.ssl.listen[0]: port 9080 conflicts with apisix.node_listen[0]',
    },
  );
});

void test('the same port on two distinct specific addresses does not conflict', () => {
  assert.doesNotThrow(() =>
    configFromObject({
      apisix: { node_listen: [{ ip: '127.0.0.2', port: 9180 }] },
    }),
  );
});

void test('listeners that are not opened do not conflict', () => {
  assert.doesNotThrow(() =>
    configFromObject({ apisix: { enable_control: false, node_listen: [9090] } }),
  );
  assert.doesNotThrow(() =>
    configFromObject({ apisix: { enable_admin: false, node_listen: [9180] } }),
  );
});

void test('traditional role: config_provider from role_traditional, embedded by default', () => {
  assert.equal(configFromObject({}).deployment.config_provider, 'embedded');
  const yaml = configFromObject({ deployment: { role_traditional: { config_provider: 'yaml' } } });
  assert.equal(yaml.deployment.config_provider, 'yaml');
  assert.equal(yaml.apisix.enable_admin, true);
});

void test('data_plane role: no Admin API, provider from role_data_plane (required)', () => {
  const config = configFromObject({
    deployment: { role: 'data_plane', role_data_plane: { config_provider: 'yaml' } },
  });
  assert.equal(config.deployment.config_provider, 'yaml');
  assert.equal(config.apisix.enable_admin, false);
  assert.throws(() => configFromObject({ deployment: { role: 'data_plane' } }, { file }), {
    message: 'conf/config.yaml: deployment.role_data_plane.config_provider: is required',
  });
});

void test('control_plane role: Admin API forced on, etcd only', () => {
  const config = configFromObject({
    apisix: { enable_admin: false },
    deployment: { role: 'control_plane', role_control_plane: { config_provider: 'etcd' } },
  });
  assert.equal(config.apisix.enable_admin, true);
  assert.equal(config.deployment.config_provider, 'etcd');
  assert.throws(
    () =>
      configFromObject(
        { deployment: { role: 'control_plane', role_control_plane: { config_provider: 'yaml' } } },
        { file },
      ),
    {
      message:
        /^conf\/config\.yaml: deployment\.role_control_plane\.config_provider: must be one of "etcd"/,
    },
  );
});

void test('an unknown role is rejected', () => {
  assert.throws(() => configFromObject({ deployment: { role: 'standalone' } }, { file }), {
    message: /^conf\/config\.yaml: deployment\.role: must be one of/,
  });
});

void test('apisix.enable_http2 is on unless set to false', () => {
  assert.equal(configFromObject({}).apisix.enable_http2, true);
  assert.equal(configFromObject({ apisix: { enable_http2: false } }).apisix.enable_http2, false);
});

void test('enable_http2 on a listen entry is refused, as APISIX 3.9+ refuses it', () => {
  const cases = [
    { desc: 'ssl.listen', apisix: { ssl: { listen: [{ port: 9443, enable_http2: true }] } } },
    { desc: 'node_listen', apisix: { node_listen: [{ port: 9080, enable_http2: false }] } },
  ];
  for (const { desc, apisix } of cases) {
    assert.throws(
      () => configFromObject({ apisix }),
      {
        code: 'GH_ERR_CONFIG_INVALID',
        message: /listen\[0\]\.enable_http2: .*apisix\.enable_http2/,
      },
      desc,
    );
  }
});
