import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import faultInjection from '../../src/plugins/fault-injection.js';
import { fakeContext } from '../support/fake-plugin-context.js';
import { useTestGateway } from './lib/gateway.js';
import { prepared, testConfErrors } from './lib/conf.js';
import { expectRefused } from './lib/placements.js';
import { testPlacementEffect } from './lib/placement-suite.js';

const rewrite = (raw: unknown, url = '/', vars: Record<string, string> = {}) =>
  faultInjection.rewrite!(prepared(faultInjection, raw), fakeContext({ url, vars }));

void describe('fault-injection hooks', () => {
  void test('aborts with the status, the body and the headers, variables resolved', () => {
    const out = rewrite(
      {
        abort: {
          http_status: 403,
          body: 'no $arg_name',
          headers: { 'X-Who': '${arg_name}', 'X-N': 1 },
        },
      },
      '/?name=jack',
    );
    assert.deepEqual(out, {
      status: 403,
      body: 'no jack',
      headers: { 'X-Who': 'jack', 'X-N': '1' },
    });
  });

  void test('aborts with the status alone when there is no body', () => {
    assert.deepEqual(rewrite({ abort: { http_status: 503 } }), { status: 503 });
  });

  void test('never aborts at percentage 0 and always at 100', () => {
    assert.equal(rewrite({ abort: { http_status: 403, percentage: 0 } }), undefined);
    assert.deepEqual(rewrite({ abort: { http_status: 403, percentage: 100 } }), { status: 403 });
  });

  void test('aborts when any of the vars expressions matches', () => {
    const conf = {
      abort: {
        http_status: 403,
        vars: [
          [['arg_name', '==', 'jack']],
          [
            ['arg_age', '>', 30],
            ['arg_kind', '==', 'x'],
          ],
        ],
      },
    };
    assert.deepEqual(rewrite(conf, '/?name=jack'), { status: 403 });
    assert.deepEqual(rewrite(conf, '/?age=31&kind=x'), { status: 403 });
    assert.equal(rewrite(conf, '/?age=31'), undefined);
    assert.equal(rewrite(conf, '/?name=rose'), undefined);
  });

  void test('an empty vars list matches no request, as in APISIX', () => {
    assert.equal(rewrite({ abort: { http_status: 403, vars: [] } }), undefined);
  });

  void test('delays through a promise, then aborts', async () => {
    const out = rewrite({ delay: { duration: 0 }, abort: { http_status: 500, body: 'late' } });
    assert.ok(out instanceof Promise);
    assert.deepEqual(await out, { status: 500, body: 'late' });
  });

  void test('answers synchronously when the delay does not apply', () => {
    const out = rewrite({ delay: { duration: 5, vars: [[['arg_slow', '==', '1']]] } }, '/?slow=0');
    assert.equal(out, undefined);
  });

  testConfErrors(faultInjection, [
    {
      desc: 'neither abort nor delay',
      conf: {},
      err: 'expect object to have at least 1 properties',
    },
    {
      desc: 'an abort without http_status',
      conf: { abort: { body: 'x' } },
      err: 'property "abort" validation failed: property "http_status" is required',
    },
    {
      desc: 'an http_status under 200',
      conf: { abort: { http_status: 199 } },
      err: 'property "abort" validation failed: property "http_status" validation failed: expected 199 to be at least 200',
    },
    {
      desc: 'a percentage over 100',
      conf: { delay: { duration: 1, percentage: 101 } },
      err: 'property "delay" validation failed: property "percentage" validation failed: expected 101 to be at most 100',
    },
    {
      desc: 'a duration that is a string',
      conf: { delay: { duration: '1' } },
      err: 'property "delay" validation failed: property "duration" validation failed: wrong type: expected number, got string',
    },
    {
      desc: 'an invalid vars expression',
      conf: { abort: { http_status: 403, vars: [[['arg_a', 'like', 'b']]] } },
      err: "invalid operator 'like'",
    },
  ]);
});

void describe('fault-injection over traffic', () => {
  const gw = useTestGateway();

  const abort = { http_status: 403, body: 'Fault Injection!\n', headers: { 'X-Fault': '$uri' } };

  void test('aborts with the configured status, body and headers without calling the upstream', async () => {
    await gw.put('/routes/fi-abort', {
      uri: '/fi/abort',
      plugins: { 'fault-injection': { abort } },
      upstream: gw.upstream,
    });
    const before = gw.echo.received.length;
    const reply = await gw.request('/fi/abort');
    assert.equal(reply.status, 403);
    assert.equal(reply.body, 'Fault Injection!\n');
    assert.equal(reply.headers['x-fault'], '/fi/abort');
    assert.equal(gw.echo.received.length, before);
  });

  void test('aborts with the nginx error page when there is no body', async () => {
    await gw.put('/routes/fi-page', {
      uri: '/fi/page',
      plugins: { 'fault-injection': { abort: { http_status: 503 } } },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/fi/page');
    assert.equal(reply.status, 503);
    assert.match(reply.body, /<title>503 Service Temporarily Unavailable<\/title>/);
  });

  void test('aborts only requests that match vars and proxies the others', async () => {
    await gw.put('/routes/fi-vars', {
      uri: '/fi/vars',
      plugins: {
        'fault-injection': { abort: { ...abort, vars: [[['arg_name', '==', 'jack']]] } },
      },
      upstream: gw.upstream,
    });
    assert.equal((await gw.request('/fi/vars?name=jack')).status, 403);
    const passed = await gw.request('/fi/vars?name=rose');
    assert.equal(passed.status, 200);
    assert.equal(passed.headers['x-upstream'], 'echo');
  });

  void test('delays a request and then proxies it', async () => {
    await gw.put('/routes/fi-delay', {
      uri: '/fi/delay',
      plugins: { 'fault-injection': { delay: { duration: 0.2 } } },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/fi/delay');
    assert.equal(reply.status, 200);
    assert.equal(gw.echo.received.at(-1)?.url, '/fi/delay');
  });

  void test('refuses bad confs with 400', async () => {
    await expectRefused(gw, 'fault-injection', [
      [{}, 'expect object to have at least 1 properties'],
      [
        { abort: { http_status: 403, vars: [[['arg_a', 'like', 'b']]] } },
        "invalid operator 'like'",
      ],
      [
        { abort: { http_status: 403, headers: {} } },
        'property "abort" validation failed: property "headers" validation failed: expect object to have at least 1 properties',
      ],
    ]);
  });

  testPlacementEffect(() => gw, 'fi', {
    plugins: { 'fault-injection': { abort } },
    applied: (reply, path) => {
      assert.equal(reply.status, 403);
      assert.equal(reply.body, 'Fault Injection!\n');
      assert.equal(reply.headers['x-fault'], path);
    },
    absent: (reply) => assert.equal(reply.status, 200),
  });
});
