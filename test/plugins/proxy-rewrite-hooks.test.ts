import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from '../../src/plugins/proxy-rewrite.js';
import { fakeContext, type FakeRequest } from '../support/fake-plugin-context.js';
import { confError, prepared } from './lib/conf.js';

function run(conf: Record<string, unknown>, req: FakeRequest = {}) {
  const ctx = fakeContext(req);
  const result = plugin.rewrite?.(prepared(plugin, conf), ctx);
  return { ctx, result };
}

void describe('proxy-rewrite conf', () => {
  const cases: Array<{ desc: string; conf: unknown; err: string | RegExp | undefined }> = [
    {
      desc: 'needs at least one attribute',
      conf: {},
      err: 'expect object to have at least 1 properties',
    },
    {
      desc: 'uri must start with /',
      conf: { uri: 'x' },
      err: 'property "uri" validation failed: failed to match pattern "^\\\\/.*" with "x"',
    },
    {
      desc: 'regex_uri of odd length',
      conf: { regex_uri: ['^/a', '/b', '^/c'] },
      err: 'The length of regex_uri should be an even number',
    },
    {
      desc: 'regex_uri with a bad regex',
      conf: { regex_uri: ['(', '/b'] },
      err: /^invalid regex_uri\(\(, \/b\): ./,
    },
    {
      desc: 'regex_uri with a bad template',
      conf: { regex_uri: ['^/(a)', '/$name'] },
      err: 'invalid regex_uri(^/(a), /$name): failed to compile the replacement template',
    },
    {
      desc: 'method outside the list',
      conf: { method: 'GETS' },
      err: 'property "method" validation failed: matches none of the enum values',
    },
    {
      desc: 'flat header with a bad field',
      conf: { headers: { 'X-Api Version': 'v' } },
      err: 'invalid field character in header',
    },
    {
      desc: 'flat header with a control character',
      conf: { headers: { 'X-Api': 'a\nb' } },
      err: 'invalid value character in header',
    },
    {
      desc: 'new form with arrays',
      conf: { headers: { add: { 'X-A': ['1', 2] }, remove: ['X-B'] } },
      err: undefined,
    },
    {
      desc: 'new form rejects unknown operations',
      conf: { headers: { add: { a: 'b' }, drop: ['x'] } },
      err: /^property "headers" validation failed: /,
    },
  ];
  for (const c of cases) {
    void test(c.desc, () => {
      const err = confError(plugin, c.conf);
      if (c.err instanceof RegExp) assert.match(err ?? '', c.err);
      else assert.equal(err, c.err);
    });
  }
});

void describe('proxy-rewrite uri', () => {
  void test('uri template with the query kept', () => {
    const { ctx } = run({ uri: '/v2$uri' }, { url: '/users?id=1' });
    assert.equal(ctx.upstreamUri, '/v2/users?id=1');
  });
  void test('a ? in a resolved variable is escaped, the template`s own ? starts the query', () => {
    const { ctx } = run({ uri: '/s/$arg_q?x=1' }, { url: '/p?q=a?b' });
    assert.equal(ctx.upstreamUri, '/s/a%253Fb?x=1&q=a%3Fb');
  });
  void test('regex_uri: the first matching pair wins, captures substituted', () => {
    const conf = { regex_uri: ['^/nomatch', '/x', '^/api/(.*)/(.*)', '/$2/$1'] };
    const { ctx } = run(conf, { url: '/api/a/b?k=v' });
    assert.equal(ctx.upstreamUri, '/b/a?k=v');
  });
  void test('regex_uri without a match keeps the path', () => {
    const { ctx } = run({ regex_uri: ['^/x', '/y'] }, { url: '/a b' });
    assert.equal(ctx.upstreamUri, '/a%20b');
  });
  void test('the path is re-encoded, control characters in the query too', () => {
    const { ctx } = run({ uri: '/$v' }, { url: '/', vars: { v: 'a b\r%' } });
    assert.equal(ctx.upstreamUri, '/a%20b%0D%25');
    const crlf = run({ regex_uri: ['^/([\\s\\S]*)', '/x?$1'] }, { url: '/a\r\nb' });
    assert.equal(crlf.ctx.upstreamUri, '/x?a%0D%0Ab');
  });
  void test('use_real_request_uri_unsafe starts from the raw request uri and skips encoding', () => {
    const req = { url: '/a%2Fb?x=1', vars: { real_request_uri: '/a%2Fb?x=1' } };
    assert.equal(
      run({ use_real_request_uri_unsafe: true, host: 'h' }, req).ctx.upstreamUri,
      '/a%2Fb?x=1',
    );
    assert.equal(
      run({ use_real_request_uri_unsafe: true, uri: '/n?y=2' }, req).ctx.upstreamUri,
      '/n?y=2&x=1',
    );
  });
});

void describe('proxy-rewrite host, method and headers', () => {
  void test('host and method go to the upstream request', () => {
    const { ctx } = run({ host: 'api.example.com:8080', method: 'POST' });
    assert.equal(ctx.header('host'), 'api.example.com:8080');
    assert.equal(ctx.upstreamMethod, 'POST');
  });
  void test('add, then set, then remove', () => {
    const { ctx } = run(
      {
        headers: {
          add: { 'X-Add': ['a', 1], 'X-Both': 'added' },
          set: { 'X-Set': ['s1', 's2'], 'X-Both': 'set', 'X-Gone': 'g' },
          remove: ['X-Gone', 'X-Old'],
        },
      },
      { headers: { 'x-add': 'orig', 'x-old': 'o' } },
    );
    assert.equal(ctx.header('x-add'), 'orig, a, 1');
    assert.equal(ctx.header('x-set'), 's1, s2');
    assert.equal(ctx.header('x-both'), 'set');
    assert.equal(ctx.header('x-gone'), undefined);
    assert.equal(ctx.header('x-old'), undefined);
  });
  void test('the flat form sets headers, values resolve variables', () => {
    const { ctx } = run({ headers: { 'X-Uri': '$uri', 'X-N': 5 } }, { url: '/p' });
    assert.equal(ctx.header('x-uri'), '/p');
    assert.equal(ctx.header('x-n'), '5');
  });
  void test('header values resolve regex captures then variables', () => {
    const conf = {
      regex_uri: ['^/api/(\\w+)', '/$1'],
      headers: { set: { 'X-Cap': '$1-${1}-$http_x_t' } },
    };
    const { ctx } = run(conf, { url: '/api/users', headers: { 'x-t': 't' } });
    assert.equal(ctx.header('x-cap'), 'users-users-t');
  });
  void test('a captured CR LF is encoded in the header value', () => {
    const conf = { regex_uri: ['^/([\\s\\S]*)', '/'], headers: { set: { 'X-P': '$1' } } };
    assert.equal(run(conf, { url: '/a\r\nb' }).ctx.header('x-p'), 'a%0D%0Ab');
  });
  void test('Host in headers is left alone (use host)', () => {
    const { ctx } = run({ headers: { set: { Host: 'x' } } }, { headers: { host: 'orig' } });
    assert.equal(ctx.header('host'), 'orig');
  });
});
