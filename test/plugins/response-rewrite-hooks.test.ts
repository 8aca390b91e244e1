import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import plugin from '../../src/plugins/response-rewrite.js';
import { fakeContext, type FakeContext } from '../support/fake-plugin-context.js';
import { confError, prepared } from './lib/conf.js';

/** A response as the upstream sent it, through headerFilter then bodyFilter chunk by chunk. */
function respond(
  conf: Record<string, unknown>,
  upstream: { status?: number; headers?: Record<string, string>; chunks?: Buffer[] } = {},
  ctx: FakeContext = fakeContext({ url: '/r' }),
) {
  const p = prepared(plugin, conf);
  ctx.response.status = upstream.status ?? 200;
  for (const [k, v] of Object.entries(upstream.headers ?? {})) ctx.response.setHeader(k, v);
  plugin.headerFilter?.(p, ctx);
  const chunks = upstream.chunks ?? [Buffer.from('hello world\n')];
  const out = chunks.map((c, i) => plugin.bodyFilter?.(p, ctx, c, i === chunks.length - 1) ?? c);
  return { ctx, body: Buffer.concat(out).toString() };
}

void describe('response-rewrite conf', () => {
  const cases: Array<{ desc: string; conf: unknown; err: string | undefined }> = [
    {
      desc: 'status_code above 598',
      conf: { status_code: 599 },
      err: 'property "status_code" validation failed: expected 599 to be at most 598',
    },
    {
      desc: 'an empty header name',
      conf: { headers: { '': 2 } },
      err: 'invalid field length in header',
    },
    {
      desc: 'an object as a header value',
      conf: { headers: { 'X-Name': {} } },
      err: 'invalid type as header value',
    },
    {
      desc: 'body that is not base64',
      conf: { body: '1', body_base64: true },
      err: 'invalid base64 content',
    },
    {
      desc: 'body_base64 without body',
      conf: { body_base64: true },
      err: 'invalid base64 content',
    },
    {
      desc: 'a bad vars expression',
      conf: { vars: [[]] },
      err: "failed to validate the 'vars' expression: rule too short",
    },
    {
      desc: 'an unknown regex option',
      conf: { filters: [{ regex: 'hello', replace: 'HELLO', options: 'h' }] },
      err: 'regex "hello" validation failed: unknown flag "h" (flags "h")',
    },
    {
      desc: 'body and filters together',
      conf: { body: 'a', filters: [{ regex: 'a', replace: 'b' }] },
      err: 'failed to validate dependent schema for "body": value wasn\'t supposed to match schema',
    },
    {
      desc: 'an add entry without a value',
      conf: { headers: { add: ['X-Test'] } },
      err: 'property "headers" validation failed: object matches none of the required',
    },
  ];
  for (const c of cases) void test(c.desc, () => assert.equal(confError(plugin, c.conf), c.err));
});

void describe('response-rewrite headers and status', () => {
  void test('status and body replaced, body headers cleared', () => {
    const { ctx } = respond(
      { status_code: 403, body: 'denied' },
      { headers: { 'content-length': '12', etag: '"x"', 'last-modified': 'y', 'x-keep': 'k' } },
    );
    assert.equal(ctx.response.status, 403);
    assert.equal(ctx.replacedBody?.toString(), 'denied');
    assert.equal(ctx.response.header('etag'), undefined);
    assert.equal(ctx.response.header('last-modified'), undefined);
    assert.equal(ctx.response.header('x-keep'), 'k');
  });
  void test('base64 body is decoded once', () => {
    const { ctx } = respond({ body: Buffer.from('hi\n').toString('base64'), body_base64: true });
    assert.equal(ctx.replacedBody?.toString(), 'hi\n');
  });
  void test('add, set (with variables) and remove', () => {
    const { ctx } = respond(
      {
        headers: {
          add: ['Set-Cookie: b=2'],
          set: { 'X-Uri': '$uri', 'X-N': 1 },
          remove: ['X-Drop'],
        },
      },
      { headers: { 'set-cookie': 'a=1', 'x-drop': 'd' } },
    );
    assert.equal(ctx.response.header('set-cookie'), 'a=1, b=2');
    assert.equal(ctx.response.header('x-uri'), '/r');
    assert.equal(ctx.response.header('x-n'), '1');
    assert.equal(ctx.response.header('x-drop'), undefined);
  });
  void test('the flat form sets', () => {
    const { ctx } = respond({ headers: { 'X-Server-id': 3 } });
    assert.equal(ctx.response.header('x-server-id'), '3');
  });
  void test('an add entry APISIX cannot split skips every header operation', () => {
    const { ctx } = respond({ headers: { add: ['X A: b'], set: { 'X-S': 's' } } });
    assert.equal(ctx.response.header('x-s'), undefined);
  });
  void test('vars decide per response', () => {
    const conf = { vars: [['status', '==', 200]], status_code: 201 };
    const ok = respond(conf, {}, fakeContext({ vars: { status: '200' } }));
    assert.equal(ok.ctx.response.status, 201);
    const other = respond(conf, { status: 500 }, fakeContext({ vars: { status: '500' } }));
    assert.equal(other.ctx.response.status, 500);
  });
});

void describe('response-rewrite filters', () => {
  void test('only a conf with filters takes part in the body filter phase', () => {
    const uses = (conf: Record<string, unknown>) =>
      plugin.uses?.(prepared(plugin, conf), 'bodyFilter');
    assert.equal(uses({ headers: { 'X-A': 'b' } }), false);
    assert.equal(uses({ body: 'x' }), false);
    assert.equal(uses({ filters: [{ regex: 'a', replace: 'b' }] }), true);
  });

  void test('once replaces the first match, across chunks', () => {
    const chunks = [Buffer.from('hello '), Buffer.from('world hello\n')];
    const { body, ctx } = respond(
      { filters: [{ regex: 'hello', replace: 'HELLO' }] },
      { chunks, headers: { 'content-length': '18' } },
    );
    assert.equal(body, 'HELLO world hello\n');
    assert.equal(ctx.response.header('content-length'), undefined);
  });
  void test('global with captures, several filters in order', () => {
    const filters = [
      { regex: '(l+)', replace: '<$1>', scope: 'global' },
      { regex: 'o', replace: '0', scope: 'global', options: 'jo' },
    ];
    assert.equal(respond({ filters }).body, 'he<ll>0 w0r<l>d\n');
  });
  void test('the i option matches regardless of case', () => {
    const filters = [{ regex: 'HELLO', replace: 'bye', options: 'ji' }];
    assert.equal(respond({ filters }).body, 'bye world\n');
  });
  void test('no match leaves the body', () => {
    assert.equal(respond({ filters: [{ regex: 'zzz', replace: 'y' }] }).body, 'hello world\n');
  });
  void test('a body over max_resp_body_size is cut there before filtering', () => {
    const conf = { max_resp_body_size: 5, filters: [{ regex: 'hello', replace: 'HELLO' }] };
    const chunks = [Buffer.from('hel'), Buffer.from('lo wor'), Buffer.from('ld\n')];
    assert.equal(respond(conf, { chunks }).body, 'HELLO');
  });
  void test('a gzip body is decoded first and Content-Encoding dropped', () => {
    const { body, ctx } = respond(
      { filters: [{ regex: 'world', replace: 'there' }] },
      { headers: { 'content-encoding': 'gzip' }, chunks: [gzipSync('hello world\n')] },
    );
    assert.equal(body, 'hello there\n');
    assert.equal(ctx.response.header('content-encoding'), undefined);
  });
  void test('an encoding it cannot decode passes the body as it came', () => {
    const { body } = respond(
      { filters: [{ regex: 'hello', replace: 'x' }] },
      { headers: { 'content-encoding': 'deflate' } },
    );
    assert.equal(body, 'hello world\n');
  });
  void test('when vars do not match the body is untouched', () => {
    const conf = { vars: [['status', '==', 404]], filters: [{ regex: 'hello', replace: 'x' }] };
    assert.equal(respond(conf, {}, fakeContext({ vars: { status: '200' } })).body, 'hello world\n');
  });
});
