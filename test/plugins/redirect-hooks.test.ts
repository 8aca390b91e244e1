import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from '../../src/plugins/redirect.js';
import type { PluginEnv } from '../../src/plugin/types.js';
import { fakeContext, fakeEnv, type FakeRequest } from '../support/fake-plugin-context.js';
import { confError, prepared } from './lib/conf.js';

function run(conf: Record<string, unknown>, req: FakeRequest = {}, env: PluginEnv = fakeEnv()) {
  const ctx = fakeContext({ headers: { host: 'example.com' }, ...req });
  return plugin.rewrite?.(prepared(plugin, conf, env), ctx) as
    { status: number; headers: Record<string, string> } | undefined;
}

function withPort(port: unknown): PluginEnv {
  return { ...fakeEnv(), attr: (name) => (name === 'redirect' ? { https_port: port } : undefined) };
}

void describe('redirect conf', () => {
  const cases: Array<{ desc: string; conf: unknown; err: string | undefined }> = [
    { desc: 'ret_code defaults to 302', conf: { uri: '/x' }, err: undefined },
    {
      desc: 'one of uri, regex_uri, http_to_https is needed',
      conf: { ret_code: 301 },
      err: 'value should match only one schema, but matches none',
    },
    {
      desc: 'uri with http_to_https',
      conf: { uri: '/a', http_to_https: true },
      err: 'value should match only one schema, but matches both schemas 1 and 3',
    },
    {
      desc: 'http_to_https with append_query_string',
      conf: { http_to_https: true, append_query_string: true },
      err: 'only one of `http_to_https` and `append_query_string` can be configured.',
    },
    {
      desc: 'http_to_https with append_query_string false (older confs)',
      conf: { http_to_https: true, append_query_string: false },
      err: undefined,
    },
    {
      desc: 'regex_uri template that nginx refuses',
      conf: { regex_uri: ['^/(a)', '/$x'] },
      err: 'invalid regex_uri (^/(a), /$x), err:failed to compile the replacement template',
    },
    {
      desc: 'ret_code under 200',
      conf: { uri: '/x', ret_code: 100 },
      err: 'property "ret_code" validation failed: expected 100 to be at least 200',
    },
  ];
  for (const c of cases) void test(c.desc, () => assert.equal(confError(plugin, c.conf), c.err));
});

void describe('redirect uri', () => {
  const cases: Array<{ desc: string; uri: string; url: string; want: string }> = [
    { desc: 'fixed uri', uri: '/test/add', url: '/hello', want: '/test/add' },
    { desc: '$var', uri: '$uri/test/add', url: '/hello', want: '/hello/test/add' },
    { desc: '${var} inside text', uri: '/a${arg_name}c', url: '/h?name=json', want: '/ajsonc' },
    { desc: 'a lone $ stays', uri: '/foo$$uri', url: '/hello', want: '/foo$/hello' },
    { desc: '\\$ keeps the name', uri: '\\$uri/x$uri', url: '/h', want: '\\$uri/x/h' },
    { desc: 'a missing var is empty', uri: '$uri/$bad_var/bar', url: '/h', want: '/h//bar' },
  ];
  for (const c of cases) {
    void test(c.desc, () => {
      assert.deepEqual(run({ uri: c.uri }, { url: c.url }), {
        status: 302,
        headers: { Location: c.want },
      });
    });
  }
  void test('encode_uri encodes the path part only', () => {
    const r = run({ uri: '$uri?a=b c', encode_uri: true }, { url: '/with space' });
    assert.equal(r?.headers.Location, '/with%20space?a=b c');
  });
  void test('append_query_string adds the request query', () => {
    const req = { url: '/h?name=json' };
    assert.equal(
      run({ uri: '$uri', append_query_string: true }, req)?.headers.Location,
      '/h?name=json',
    );
    assert.equal(
      run({ uri: '$uri?type=s', append_query_string: true }, req)?.headers.Location,
      '/h?type=s&name=json',
    );
  });
});

void describe('redirect regex_uri', () => {
  void test('substitutes the path with ret_code', () => {
    const r = run(
      { regex_uri: ['^/test/(.*)', 'http://test.com/${1}'], ret_code: 301 },
      { url: '/test/1' },
    );
    assert.deepEqual(r, { status: 301, headers: { Location: 'http://test.com/1' } });
  });
  void test('no match lets the request go on', () => {
    assert.equal(run({ regex_uri: ['^/test/(.*)', '/$1'] }, { url: '/hello' }), undefined);
  });
});

void describe('redirect http_to_https', () => {
  const https = { http_to_https: true, ret_code: 302 };
  void test('GET gets 301 to the same host and request uri, ret_code ignored', () => {
    const r = run(https, { url: '/a?b=1', vars: { scheme: 'http', request_uri: '/a?b=1' } });
    assert.deepEqual(r, { status: 301, headers: { Location: 'https://example.com/a?b=1' } });
  });
  void test('POST gets 308', () => {
    const r = run(https, { method: 'POST', vars: { scheme: 'http', request_uri: '/' } });
    assert.equal(r?.status, 308);
  });
  void test('https requests, and X-Forwarded-Proto https, are not redirected', () => {
    assert.equal(run(https, { vars: { scheme: 'https' } }), undefined);
    const proxied = {
      headers: { host: 'h', 'x-forwarded-proto': 'https' },
      vars: { scheme: 'http' },
    };
    assert.equal(run(https, proxied), undefined);
  });
  void test('X-Forwarded-Proto http wins over an https connection', () => {
    const r = run(https, {
      headers: { host: 'h', 'x-forwarded-proto': 'http' },
      vars: { scheme: 'https', request_uri: '/' },
    });
    assert.equal(r?.headers.Location, 'https://h/');
  });
  void test('plugin_attr.redirect.https_port is added, 443 and invalid ports are not', () => {
    const req = { vars: { scheme: 'http', request_uri: '/p' } };
    assert.equal(run(https, req, withPort(8443))?.headers.Location, 'https://example.com:8443/p');
    assert.equal(run(https, req, withPort(443))?.headers.Location, 'https://example.com/p');
    assert.equal(run(https, req, withPort(70000))?.headers.Location, 'https://example.com/p');
  });
});
