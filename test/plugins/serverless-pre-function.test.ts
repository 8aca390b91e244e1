import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import pre from '../../src/plugins/serverless-pre-function.js';
import { fakeContext } from '../support/fake-plugin-context.js';
import { RawClient } from '../support/raw-client.js';
import { useTestGateway } from './lib/gateway.js';
import { confError, prepared, testConfErrors } from './lib/conf.js';
import {
  expectRefused,
  viaConsumer,
  viaGlobalRule,
  viaPluginConfig,
  viaService,
} from './lib/placements.js';

const LUA = "return function() ngx.log(ngx.ERR, 'serverless pre function'); ngx.exit(201); end";
const luaRefused = (i: number) =>
  `failed to load 'functions[${i}]' string: Lua is not supported, 'functions[${i}]' must be a JavaScript function`;

const run = (functions: string[], phase = 'access', ctx = fakeContext()) =>
  pre.access!(prepared(pre, { phase, functions }), ctx);

void describe('serverless-pre-function hooks', () => {
  const accepted: Array<[string, string]> = [
    ['a function expression', 'function (conf, ctx) { return 403 }'],
    ['an arrow function', '(conf, ctx) => undefined'],
    ['an async function', 'async function (conf, ctx) {}'],
    [
      'a body that returns a function, as a Lua chunk does',
      'let n = 0;\nreturn function () { n++ }',
    ],
    ['a function followed by a line comment', 'function () {} // done'],
  ];
  for (const [desc, src] of accepted) {
    void test(`accepts ${desc}`, () => {
      assert.equal(confError(pre, { functions: [src] }), undefined);
    });
  }

  testConfErrors(pre, [
    { desc: 'Lua source', conf: { functions: ['function () {}', LUA] }, err: luaRefused(1) },
    {
      desc: 'source that is not a function',
      conf: { functions: ['1 + 1'] },
      err: "failed to load 'functions[0]' string: only accept JavaScript function, the input code type is number",
    },
    {
      desc: 'a syntax error',
      conf: { functions: ['function () { return 1 + }'] },
      err: "failed to load 'functions[0]' string: Unexpected token '}'",
    },
    {
      desc: 'source that throws when evaluated',
      conf: { functions: ['(() => { throw new Error("boom") })()'] },
      err: "failed to load 'functions[0]' string: boom",
    },
    {
      desc: 'source whose top level never returns (stopped after a second)',
      conf: { functions: ['for (;;) {}'] },
      err: "failed to load 'functions[0]' string: its top level ran longer than 1000 ms",
    },
    {
      desc: 'no functions',
      conf: { functions: [] },
      err: 'property "functions" validation failed: expect array to have at least 1 items',
    },
    {
      desc: 'an unknown phase',
      conf: { phase: 'abc', functions: ['() => {}'] },
      err: 'property "phase" validation failed: matches none of the enum values',
    },
    {
      desc: 'a missing functions',
      conf: { phase: 'access' },
      err: 'property "functions" is required',
    },
  ]);

  void test('ends the request with a returned status, [status, body] pair or response object', () => {
    assert.deepEqual(run(['() => 401']), { status: 401 });
    assert.deepEqual(run(['() => [403, { message: "no" }]']), {
      status: 403,
      body: { message: 'no' },
    });
    assert.deepEqual(run(['() => ({ status: 302, headers: { Location: "/x" } })']), {
      status: 302,
      headers: { Location: '/x' },
    });
  });

  void test('runs the functions in order until one ends the request', () => {
    const ctx = fakeContext();
    const out = run(
      [
        '(conf, ctx) => { ctx.setHeader("x-one", conf.phase) }',
        '(conf, ctx) => 409',
        '(conf, ctx) => { ctx.setHeader("x-three", "ran") }',
      ],
      'access',
      ctx,
    );
    assert.deepEqual(out, { status: 409 });
    assert.equal(ctx.header('x-one'), 'access');
    assert.equal(ctx.header('x-three'), undefined);
  });

  void test('keeps the state of a function body between requests', () => {
    const p = prepared(pre, {
      functions: ['let n = 0; return (conf, ctx) => { n++; ctx.setHeader("x-n", String(n)) }'],
    });
    const ctx = fakeContext();
    void pre.access!(p, ctx);
    void pre.access!(p, ctx);
    assert.equal(ctx.header('x-n'), '2');
  });

  void test('awaits a function that returns a promise, then runs the next', async () => {
    const ctx = fakeContext();
    const out = run(
      [
        'async (conf, ctx) => { ctx.setHeader("x-a", "1") }',
        '(conf, ctx) => [201, ctx.header("x-a")]',
      ],
      'access',
      ctx,
    );
    assert.ok(out instanceof Promise);
    assert.deepEqual(await out, { status: 201, body: '1' });
  });

  void test('runs only in its configured phase', () => {
    const p = prepared(pre, { phase: 'rewrite', functions: ['() => 403'] });
    assert.equal(pre.access!(p, fakeContext()), undefined);
    assert.deepEqual(pre.rewrite!(p, fakeContext()), { status: 403 });
    assert.equal(pre.bodyFilter!(p, fakeContext(), Buffer.from('x'), true).toString(), 'x');
  });

  void test('lets a body_filter function replace the chunk', () => {
    const p = prepared(pre, {
      phase: 'body_filter',
      functions: ['(conf, ctx, chunk, last) => chunk.toString().toUpperCase() + (last ? "!" : "")'],
    });
    assert.equal(pre.bodyFilter!(p, fakeContext(), Buffer.from('abc'), true).toString(), 'ABC!');
  });

  void test('passes a function error on to the runtime', () => {
    assert.throws(() => run(['() => { throw new Error("bad") }']), /bad/);
  });
});

void describe('serverless-pre-function over traffic', () => {
  const gw = useTestGateway();

  const route = (id: string, conf: unknown) =>
    gw.put(`/routes/${id}`, {
      uri: `/sl/${id}`,
      plugins: { 'serverless-pre-function': conf },
      upstream: gw.upstream,
    });

  void test('a function sets a request header the upstream receives', async () => {
    await route('header', {
      functions: [
        'function (conf, ctx) { ctx.setHeader("x-from-fn", ctx.var("arg_v") + "-" + conf.phase) }',
      ],
    });
    const reply = await gw.request('/sl/header?v=7');
    assert.equal(reply.status, 200);
    assert.equal(gw.echo.received.at(-1)?.headers['x-from-fn'], '7-access');
  });

  void test('request_length counts the request line, headers and body as received', async () => {
    await route('length', {
      functions: ['function (conf, ctx) { ctx.setHeader("x-len", ctx.var("request_length")) }'],
    });
    const raw =
      'POST /sl/length HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello';
    const client = new RawClient(gw.ports.http).write(raw);
    await client.closed;
    assert.match(client.text, /^HTTP\/1\.1 200/);
    assert.equal(gw.echo.received.at(-1)?.headers['x-len'], String(raw.length));
  });

  void test('a function ends the request with its status and JSON body', async () => {
    await route('stop', {
      functions: ['function (conf, ctx) { return [403, { message: "stopped" }] }'],
    });
    const before = gw.echo.received.length;
    const reply = await gw.request('/sl/stop');
    assert.equal(reply.status, 403);
    assert.equal(reply.body, '{"message":"stopped"}\n');
    assert.equal(gw.echo.received.length, before);
  });

  void test('a rewrite-phase function redirects with a Location header', async () => {
    await route('redirect', {
      phase: 'rewrite',
      functions: [
        'function (conf, ctx) { if (ctx.var("scheme") === "http") return { status: 301, headers: { Location: "https://foo.com" + ctx.var("request_uri") } } }',
      ],
    });
    const reply = await gw.request('/sl/redirect?a=1');
    assert.equal(reply.status, 301);
    assert.equal(reply.headers.location, 'https://foo.com/sl/redirect?a=1');
  });

  void test('an async function in access is awaited before proxying', async () => {
    await route('async', {
      functions: [
        'async function (conf, ctx) { await new Promise((r) => setTimeout(r, 5)); ctx.setHeader("x-async", "done") }',
      ],
    });
    const reply = await gw.request('/sl/async');
    assert.equal(reply.status, 200);
    assert.equal(gw.echo.received.at(-1)?.headers['x-async'], 'done');
  });

  void test('a function keeps its state across requests', async () => {
    await route('state', {
      functions: [
        'let n = 0;\nreturn function (conf, ctx) { n += 1; ctx.setHeader("x-count", String(n)) }',
      ],
    });
    await gw.request('/sl/state');
    await gw.request('/sl/state');
    assert.equal(gw.echo.received.at(-1)?.headers['x-count'], '2');
  });

  void test('a log-phase function runs after the response', async () => {
    await route('log', {
      phase: 'log',
      functions: [
        'function (conf, ctx) { ctx.env.logger.warn("serverless-log-marker " + ctx.response.status) }',
      ],
    });
    assert.equal((await gw.request('/sl/log')).status, 200);
    for (let i = 0; i < 100 && !gw.output().includes('serverless-log-marker 200'); i++) {
      await delay(50); // the log line is written after the response went out
    }
    assert.match(gw.output(), /serverless-log-marker 200/);
  });

  void test('a function that throws answers 500', async () => {
    await route('throws', { functions: ['function () { throw new Error("fn-broke") }'] });
    assert.equal((await gw.request('/sl/throws')).status, 500);
  });

  void test('refuses Lua and non-functions with 400', async () => {
    await expectRefused(gw, 'serverless-pre-function', [
      [{ functions: [LUA] }, luaRefused(0)],
      [
        { functions: ['"x"'] },
        "failed to load 'functions[0]' string: only accept JavaScript function, the input code type is string",
      ],
      [
        { phase: 'later', functions: ['() => {}'] },
        'property "phase" validation failed: matches none of the enum values',
      ],
    ]);
  });

  const stop = { 'serverless-pre-function': { functions: ['() => [418, "teapot"]'] } };

  void test('runs the functions configured on a service', async () => {
    const reply = await gw.request(await viaService(gw, 'sl-svc', stop));
    assert.equal(reply.status, 418);
    assert.equal(reply.body, 'teapot');
  });

  void test('runs the functions configured on a plugin_config', async () => {
    assert.equal((await gw.request(await viaPluginConfig(gw, 'sl-pc', stop))).status, 418);
  });

  void test('runs the functions of a consumer once key-auth identified it', async () => {
    const c = await viaConsumer(gw, 'sl-consumer', {
      'serverless-pre-function': {
        functions: ['(conf, ctx) => { ctx.setHeader("x-consumer-fn", ctx.var("consumer_name")) }'],
      },
    });
    assert.equal((await gw.request(c.path, { headers: c.jack })).status, 200);
    assert.equal(gw.echo.received.at(-1)?.headers['x-consumer-fn'], 'sl-consumer_jack');
    await gw.request(c.path, { headers: c.rose });
    assert.equal(gw.echo.received.at(-1)?.headers['x-consumer-fn'], undefined);
  });

  void test('runs the functions of a global rule on every route', async () => {
    const path = await viaGlobalRule(gw, 'sl-global', stop, async (p) => {
      assert.equal((await gw.request(p)).status, 418);
    });
    assert.equal((await gw.request(path)).status, 200);
  });

  void test('answers 500 to a response node cannot send, and the worker stays up', async () => {
    const cases: Array<[string, string, number]> = [
      ['status-99', 'function () { return 99 }', 500],
      ['status-1000', 'async function () { return 1000 }', 500],
      ['status-nan', 'function () { return NaN }', 500],
      ['body-cycle', 'function () { const a = {}; a.a = a; return [200, a] }', 500],
      ['body-bigint', 'async function () { return [200, 1n] }', 500],
      ['header-number', 'function () { return { status: 201, headers: { "X-N": 1 } } }', 201],
    ];
    for (const [id, fn, status] of cases) {
      await route(id, { functions: [fn] });
      const reply = await gw.request(`/sl/${id}`);
      assert.equal(reply.status, status, id);
    }
    assert.equal((await gw.request('/sl/header-number')).headers['x-n'], '1');
    assert.doesNotMatch(gw.output(), /worker exited unexpectedly/);
  });
});
