import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import echo from '../../src/plugins/echo.js';
import { fakeContext } from '../support/fake-plugin-context.js';
import { useTestGateway } from './lib/gateway.js';
import { prepared, testConfErrors } from './lib/conf.js';
import { expectRefused } from './lib/placements.js';
import { testPlacementEffect } from './lib/placement-suite.js';

/** Runs echo's body filter over `chunks` as the runtime would, the last one flagged. */
function filterBody(raw: unknown, chunks: string[]): string {
  const p = prepared(echo, raw);
  const ctx = fakeContext();
  return chunks
    .map((c, i) => echo.bodyFilter!(p, ctx, Buffer.from(c), i === chunks.length - 1).toString())
    .join('');
}

void describe('echo hooks', () => {
  void test('puts before_body ahead of the first chunk and after_body behind the last', () => {
    const out = filterBody({ before_body: '<', after_body: '>' }, ['a', 'b', 'c']);
    assert.equal(out, '<abc>');
  });

  void test('sends body once instead of every upstream chunk, wrapped by before and after', () => {
    const out = filterBody({ before_body: '[', body: 'mine', after_body: ']' }, [
      'up',
      'stream',
      '',
    ]);
    assert.equal(out, '[mine]');
  });

  void test('wraps an empty upstream body', () => {
    assert.equal(filterBody({ before_body: 'x', after_body: 'y' }, ['']), 'xy');
  });

  void test('clears the headers that describe the upstream body and sets the configured ones', () => {
    const p = prepared(echo, { body: 'b', headers: { Location: 'https://a.example', 'X-N': 3 } });
    const ctx = fakeContext();
    for (const h of ['content-length', 'content-encoding', 'etag', 'last-modified']) {
      ctx.response.setHeader(h, 'x');
    }
    echo.headerFilter!(p, ctx);
    assert.deepEqual(ctx.response.headers(), [
      ['location', 'https://a.example'],
      ['x-n', '3'],
    ]);
  });

  void test('clears Content-Length for an empty before_body too, as APISIX does', () => {
    const p = prepared(echo, { before_body: '', headers: { 'X-A': 'a' } });
    const ctx = fakeContext();
    ctx.response.setHeader('content-length', '5');
    echo.headerFilter!(p, ctx);
    assert.equal(ctx.response.header('content-length'), undefined);
  });

  testConfErrors(echo, [
    { desc: 'an empty conf', conf: {}, err: 'expect object to have at least 1 properties' },
    {
      desc: 'only headers',
      conf: { headers: { 'X-A': 'a' } },
      err: 'object matches none of the required: ["before_body"] or ["body"] or ["after_body"]',
    },
    {
      desc: 'a body that is not a string',
      conf: { after_body: 10 },
      err: 'property "after_body" validation failed: wrong type: expected string, got number',
    },
    {
      desc: 'empty headers',
      conf: { body: 'x', headers: {} },
      err: 'property "headers" validation failed: expect object to have at least 1 properties',
    },
    {
      desc: 'a header value that is an object',
      conf: { body: 'x', headers: { 'X-A': {} } },
      err: 'invalid type as header value',
    },
  ]);
});

void describe('echo over traffic', () => {
  const gw = useTestGateway();

  void test('wraps the upstream body and sets headers, with a Content-Length that fits', async () => {
    await gw.put('/routes/echo-wrap', {
      uri: '/echo/wrap',
      plugins: {
        echo: { before_body: 'before ', after_body: ' after', headers: { 'X-Echo': 'yes' } },
      },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/echo/wrap');
    assert.equal(reply.status, 200);
    assert.match(reply.body, /^before \{"method":"GET","url":"\/echo\/wrap".* after$/);
    assert.equal(reply.headers['x-echo'], 'yes');
    assert.equal(reply.headers['x-upstream'], 'echo');
    const length = reply.headers['content-length'];
    if (length !== undefined) assert.equal(Number(length), Buffer.byteLength(reply.body));
  });

  void test('replaces the upstream body with body', async () => {
    await gw.put('/routes/echo-body', {
      uri: '/echo/body',
      plugins: { echo: { body: 'hello from echo' } },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/echo/body');
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'hello from echo');
    assert.equal(gw.echo.received.at(-1)?.url, '/echo/body');
  });

  void test('wraps the body of a request another plugin refused', async () => {
    await gw.put('/routes/echo-refused', {
      uri: '/echo/refused',
      plugins: { 'key-auth': {}, echo: { before_body: '!' } },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/echo/refused');
    assert.equal(reply.status, 401);
    assert.equal(reply.body, '!{"message":"Missing API key in request"}\n');
  });

  void test('refuses a conf without any body attribute, or with a bad header, with 400', async () => {
    await expectRefused(gw, 'echo', [
      [
        { headers: { a: 'b' } },
        'object matches none of the required: ["before_body"] or ["body"] or ["after_body"]',
      ],
      [{ body: 1 }, 'property "body" validation failed: wrong type: expected string, got number'],
      [{ body: 'x', headers: { a: [] } }, 'invalid type as header value'],
    ]);
  });

  testPlacementEffect(() => gw, 'echo', {
    plugins: { echo: { after_body: '#placed' } },
    applied: (reply) => assert.match(reply.body, /^\{"method".*\}#placed$/),
    absent: (reply) => assert.match(reply.body, /^\{"method".*\}$/),
  });
});
