import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromObject } from '../../src/config/load.js';
import { nginxTimeMs } from '../../src/config/nginx-time.js';

const file = 'conf/config.yaml';
const http = (values: Record<string, unknown>): unknown =>
  configFromObject({ nginx_config: { http: values } }, { file }).nginx_config.http;

void test("the client timeouts default to APISIX's: 60 s idle, head and body reads, 10 s sends", () => {
  const t = configFromObject({}).nginx_config.http;
  assert.equal(t.keepalive_timeout, 60_000);
  assert.equal(t.keepalive_header_timeout, undefined);
  assert.equal(t.client_header_timeout, 60_000);
  assert.equal(t.client_body_timeout, 60_000);
  assert.equal(t.send_timeout, 10_000);
});

const times = [
  { desc: 'seconds with a unit', value: '75s', ms: 75_000 },
  { desc: 'milliseconds', value: '500ms', ms: 500 },
  { desc: 'minutes', value: '2m', ms: 120_000 },
  { desc: 'hours, days, weeks', value: '1w2d3h', ms: (9 * 24 + 3) * 3_600_000 },
  { desc: 'units concatenated, largest first', value: '1m30s', ms: 90_000 },
  { desc: 'a bare number in a string, as seconds', value: '30', ms: 30_000 },
  { desc: 'a bare number after a unit, as seconds', value: '1m30', ms: 90_000 },
  { desc: 'a YAML number, as seconds', value: 5, ms: 5_000 },
  { desc: 'zero', value: '0', ms: 0 },
];
for (const c of times) {
  void test(`an nginx time is read: ${c.desc}`, () => {
    assert.equal(nginxTimeMs(c.value), c.ms);
  });
}

const notTimes = [
  { desc: 'an unknown unit', value: '10sec' },
  { desc: 'units out of order', value: '30s1m' },
  { desc: 'a unit twice', value: '1s1s' },
  { desc: 'a fraction', value: '1.5s' },
  { desc: 'a negative number', value: -1 },
  { desc: 'an empty string', value: '' },
  { desc: 'spaces inside', value: '1m 30s' },
];
for (const c of notTimes) {
  void test(`not an nginx time: ${c.desc}`, () => {
    assert.equal(nginxTimeMs(c.value), undefined);
  });
}

void test('configured client timeouts are read in milliseconds', () => {
  assert.deepEqual(
    http({
      keepalive_timeout: '75s 60s',
      client_header_timeout: '1s',
      client_body_timeout: 2,
      send_timeout: '1500ms',
    }),
    {
      real_ip_header: 'X-Real-IP',
      real_ip_from: ['127.0.0.1', 'unix:'],
      real_ip_recursive: 'off',
      keepalive_timeout: 75_000,
      keepalive_header_timeout: 60_000,
      client_header_timeout: 1_000,
      client_body_timeout: 2_000,
      send_timeout: 1_500,
    },
  );
});

void test('keepalive_timeout 0 is kept as 0 (nginx: keep-alive off)', () => {
  assert.equal(
    configFromObject({ nginx_config: { http: { keepalive_timeout: 0 } } }).nginx_config.http
      .keepalive_timeout,
    0,
  );
});

const rejected = [
  {
    key: 'send_timeout',
    value: '10 seconds',
    message:
      'conf/config.yaml: nginx_config.http.send_timeout: expected an nginx time such as "60s", "500ms", "1m" or a number of seconds, got "10 seconds"',
  },
  {
    key: 'client_body_timeout',
    value: '1.5s',
    message: /^conf\/config\.yaml: nginx_config\.http\.client_body_timeout: expected an nginx time/,
  },
  {
    key: 'client_header_timeout',
    value: 'soon',
    message: /^conf\/config\.yaml: nginx_config\.http\.client_header_timeout: expected/,
  },
  {
    key: 'keepalive_timeout',
    value: '60s 30x',
    message:
      /^conf\/config\.yaml: nginx_config\.http\.keepalive_timeout: expected an nginx time.*"30x"$/,
  },
  {
    key: 'keepalive_timeout',
    value: '60s 30s 10s',
    message:
      'conf/config.yaml: nginx_config.http.keepalive_timeout: takes one or two times (idle, then the Keep-Alive header\'s), got "60s 30s 10s"',
  },
];
for (const c of rejected) {
  void test(`a bad ${c.key} (${JSON.stringify(c.value)}) stops the start, naming the file and key`, () => {
    assert.throws(() => http({ [c.key]: c.value }), { message: c.message });
  });
}
