import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import post from '../../src/plugins/serverless-post-function.js';
import pre from '../../src/plugins/serverless-pre-function.js';
import { useTestGateway } from './lib/gateway.js';
import { expectRefused } from './lib/placements.js';
import { testPlacementEffect } from './lib/placement-suite.js';
import { confError } from './lib/conf.js';

void describe('serverless-post-function definition', () => {
  void test('runs late (priority -2000) with the schema and checks of the pre-function', () => {
    assert.equal(post.name, 'serverless-post-function');
    assert.equal(post.priority, -2000);
    assert.ok(pre.priority > post.priority);
    assert.equal(
      confError(post, { functions: ['return function() end'] }),
      "failed to load 'functions[0]' string: Lua is not supported, 'functions[0]' must be a JavaScript function",
    );
  });
});

void describe('serverless-post-function over traffic', () => {
  const gw = useTestGateway();

  const appendOrder = (name: string) =>
    `(conf, ctx) => { ctx.setHeader("x-order", (ctx.header("x-order") ?? "") + "${name};") }`;

  void test('runs after the pre-function and the other access plugins', async () => {
    await gw.put('/routes/slp-order', {
      uri: '/slp/order',
      plugins: {
        'serverless-post-function': { functions: [appendOrder('post')] },
        'serverless-pre-function': { functions: [appendOrder('pre')] },
      },
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/slp/order')).status, 200);
    assert.equal(gw.echo.received.at(-1)?.headers['x-order'], 'pre;post;');
  });

  void test('a header_filter function sets a response header', async () => {
    await gw.put('/routes/slp-hf', {
      uri: '/slp/hf',
      plugins: {
        'serverless-post-function': {
          phase: 'header_filter',
          functions: [
            '(conf, ctx) => { ctx.response.setHeader("x-status-seen", String(ctx.response.status)) }',
          ],
        },
      },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/slp/hf');
    assert.equal(reply.headers['x-status-seen'], '200');
  });

  void test('a body_filter function rewrites the body and the length still fits', async () => {
    await gw.put('/routes/slp-bf', {
      uri: '/slp/bf',
      plugins: {
        'serverless-post-function': {
          phase: 'body_filter',
          functions: [
            '(conf, ctx, chunk, last) => chunk.toString().toUpperCase() + (last ? "<END>" : "")',
          ],
        },
      },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/slp/bf');
    assert.equal(reply.status, 200);
    assert.match(reply.body, /^\{"METHOD":"GET","URL":"\/SLP\/BF".*<END>$/);
    const length = reply.headers['content-length'];
    if (length !== undefined) assert.equal(Number(length), Buffer.byteLength(reply.body));
  });

  void test('refuses Lua with 400', async () => {
    await expectRefused(gw, 'serverless-post-function', [
      [
        { functions: ['local a = 1 return function() end'] },
        "failed to load 'functions[0]' string: Lua is not supported, 'functions[0]' must be a JavaScript function",
      ],
    ]);
  });

  const stop = { 'serverless-post-function': { functions: ['() => [451, "unavailable"]'] } };

  testPlacementEffect(() => gw, 'slp', {
    plugins: stop,
    applied: (reply) => {
      assert.equal(reply.status, 451);
      assert.equal(reply.body, 'unavailable');
    },
    absent: (reply) => assert.equal(reply.status, 200),
  });

  void test('a header_filter that sets a status node cannot send gives a 500, not a crash', async () => {
    await gw.put('/routes/slp-bad-status', {
      uri: '/slp/bad-status',
      plugins: {
        'serverless-post-function': {
          phase: 'header_filter',
          functions: ['(conf, ctx) => { ctx.response.status = 5 }'],
        },
      },
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/slp/bad-status')).status, 500);
    assert.doesNotMatch(gw.output(), /worker exited unexpectedly/);
  });
});
