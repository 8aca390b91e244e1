import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mocking from '../../src/plugins/mocking.js';
import { objectGenerator, toXml } from '../../src/plugins/lib/mock-document.js';
import type { PluginResponse } from '../../src/plugin/types.js';
import { fakeContext, fakeEnv } from '../support/fake-plugin-context.js';
import { useTestGateway } from './lib/gateway.js';
import { confError, prepared, testConfErrors } from './lib/conf.js';
import { expectRefused } from './lib/placements.js';
import { testPlacementEffect } from './lib/placement-suite.js';

const MOCK_BY = 'Gatehouse/0.0.0-test';

function answer(raw: unknown, vars: Record<string, string> = {}): PluginResponse {
  const out = mocking.access!(prepared(mocking, raw, fakeEnv()), fakeContext({ vars }));
  assert.ok(out !== undefined && !(out instanceof Promise), 'answers synchronously');
  return out;
}

void describe('mocking hooks', () => {
  void test('answers with the example, its variables resolved, and the default headers', () => {
    const out = answer(
      { response_example: 'addr:$remote_addr foo:$foo' },
      { remote_addr: '10.0.0.1' },
    );
    assert.deepEqual(out, {
      status: 200,
      body: 'addr:10.0.0.1 foo:',
      headers: { 'Content-Type': 'application/json;charset=utf8', 'x-mock-by': MOCK_BY },
    });
  });

  void test('sends the configured status and response_headers, without x-mock-by when asked', () => {
    const out = answer(
      {
        response_example: 'x',
        response_status: 418,
        with_mock_header: false,
        content_type: 'text/plain',
        response_headers: { 'X-Route': '$route_id', 'X-N': 7, 'X-Static': 'is, cool' },
      },
      { route_id: 'r1' },
    );
    assert.deepEqual(out, {
      status: 418,
      body: 'x',
      headers: {
        'Content-Type': 'text/plain',
        'X-N': '7',
        'X-Static': 'is, cool',
        'X-Route': 'r1',
      },
    });
  });

  void test('generates a JSON document from the schema, taking examples of the right type', () => {
    const out = answer({
      response_schema: {
        type: 'object',
        properties: {
          s: { type: 'string', example: 'hello' },
          n: { type: 'number', example: 1.5 },
          i: { type: 'integer', example: 2.7 },
          b: { type: 'boolean', example: false },
          wrong: { type: 'string', example: 3 },
          list: { type: 'array', items: { type: 'integer' } },
          nested: { type: 'OBJECT', properties: { x: { type: 'string', example: 'y' } } },
          untyped: { example: 1 },
          noItems: { type: 'array' },
        },
      },
    });
    const doc = JSON.parse(out.body as string) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), ['s', 'n', 'i', 'b', 'wrong', 'list', 'nested']);
    assert.equal(doc.s, 'hello');
    assert.equal(doc.n, 1.5);
    assert.equal(doc.i, 2);
    assert.equal(doc.b, false);
    assert.match(String(doc.wrong), /^[a-z]{1,10}$/);
    const list = doc.list as number[];
    assert.ok(list.length >= 1 && list.length <= 3);
    for (const v of list) assert.ok(Number.isInteger(v) && v >= 1 && v <= 10000);
    assert.deepEqual(doc.nested, { x: 'y' });
  });

  void test('the example wins over the schema', () => {
    const out = answer({ response_example: 'ex', response_schema: { type: 'object' } });
    assert.equal(out.body, 'ex');
  });

  void test('writes XML rooted at <data> as xml2lua does', () => {
    assert.equal(
      toXml({ a: 'x', list: [1, 2], o: { b: true }, e: '' }),
      [
        '<data>',
        '  <a>x</a>',
        '  <list>1</list>',
        '  <list>2</list>',
        '  <o>',
        '    <b>true</b>',
        '  </o>',
        '  <e/>',
        '</data>',
      ].join('\n'),
    );
    // xml2lua's quirk: a single property is written as the root's value.
    assert.equal(toXml({ only: 'v' }), '<data>v</data>');
    assert.equal(toXml({}), '<data/>');
  });

  void test('sends a schema document as XML for an XML content type', () => {
    const out = answer({
      content_type: 'application/xml',
      response_schema: {
        properties: { a: { type: 'string', example: 'x' }, b: { type: 'integer', example: 1 } },
      },
    });
    assert.equal(out.body, '<data>\n  <a>x</a>\n  <b>1</b>\n</data>');
  });

  void test('an object schema without properties gives {}', () => {
    assert.deepEqual(objectGenerator({ type: 'object' })(), {});
  });

  testConfErrors(mocking, [
    {
      desc: 'neither example nor schema',
      conf: { response_status: 200 },
      err: 'object matches none of the required: ["response_example"] or ["response_schema"]',
    },
    {
      desc: 'an unsupported content type',
      conf: { response_example: 'x', content_type: 'image/png' },
      err: 'unsupported content type!',
    },
    {
      desc: 'a content type of a megabyte without a semicolon (checked in linear time)',
      conf: { response_example: 'x', content_type: 'x'.repeat(1 << 20) },
      err: 'unsupported content type!',
    },
    {
      desc: 'a content type cut at its last semicolon, as the greedy pattern of APISIX cuts it',
      conf: { response_example: 'x', content_type: 'text/plain;charset=utf-8;x' },
      err: 'unsupported content type!',
    },
    {
      desc: 'a status under 100',
      conf: { response_example: 'x', response_status: 99 },
      err: 'property "response_status" validation failed: expected 99 to be at least 100',
    },
    {
      desc: 'a delay that is not an integer',
      conf: { response_example: 'x', delay: 0.5 },
      err: 'property "delay" validation failed: wrong type: expected integer, got number',
    },
  ]);

  void test('accepts a content type with parameters', () => {
    assert.equal(
      confError(mocking, { response_example: 'x', content_type: 'text/html; charset=utf-8' }),
      undefined,
    );
  });
});

void describe('mocking over traffic', () => {
  const gw = useTestGateway();

  void test('answers with the example and its headers without calling the upstream', async () => {
    await gw.put('/routes/mock-example', {
      uri: '/mock/example',
      plugins: {
        mocking: {
          response_example: 'hello $arg_name',
          response_status: 201,
          content_type: 'text/plain',
          response_headers: { 'X-Route-Id': '$route_id' },
        },
      },
      upstream: gw.upstream,
    });
    const before = gw.echo.received.length;
    const reply = await gw.request('/mock/example?name=jack');
    assert.equal(reply.status, 201);
    assert.equal(reply.body, 'hello jack');
    assert.equal(reply.headers['content-type'], 'text/plain');
    assert.match(String(reply.headers['x-mock-by']), /^Gatehouse\/\d+\.\d+\.\d+/);
    assert.equal(reply.headers['x-route-id'], 'mock-example');
    assert.equal(gw.echo.received.length, before);
  });

  void test('answers with a JSON document generated from the schema', async () => {
    await gw.put('/routes/mock-schema', {
      uri: '/mock/schema',
      plugins: {
        mocking: {
          with_mock_header: false,
          response_schema: {
            type: 'object',
            properties: { field1: { type: 'string', example: 'hello' }, n: { type: 'integer' } },
          },
        },
      },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/mock/schema');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/json;charset=utf8');
    assert.equal(reply.headers['x-mock-by'], undefined);
    const doc = JSON.parse(reply.body) as { field1: string; n: number };
    assert.equal(doc.field1, 'hello');
    assert.ok(Number.isInteger(doc.n));
  });

  void test('answers after a delay', async () => {
    await gw.put('/routes/mock-delay', {
      uri: '/mock/delay',
      plugins: { mocking: { response_example: 'slow', delay: 1 } },
      upstream: gw.upstream,
    });
    const reply = await gw.request('/mock/delay');
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'slow');
  });

  void test('refuses bad confs with 400', async () => {
    await expectRefused(gw, 'mocking', [
      [{}, 'object matches none of the required: ["response_example"] or ["response_schema"]'],
      [{ response_example: 'x', content_type: 'application/pdf' }, 'unsupported content type!'],
      [
        { response_example: 'x', response_headers: {} },
        'property "response_headers" validation failed: expect object to have at least 1 properties',
      ],
    ]);
  });

  testPlacementEffect(() => gw, 'mock', {
    plugins: { mocking: { response_example: 'placed' } },
    applied: (reply) => assert.equal(reply.body, 'placed'),
    absent: (reply) => assert.equal(reply.headers['x-upstream'], 'echo'),
  });
});
