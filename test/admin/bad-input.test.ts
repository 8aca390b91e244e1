import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdmin, type TestAdmin } from './helpers.js';

const UPSTREAM = { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } };
const ROUTE = { uri: '/hello', upstream: UPSTREAM };
const ID_ERROR =
  'invalid configuration: property "id" validation failed: object matches none of the required';

interface Case {
  desc: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
  /** The exact JSON body, or a check of it. */
  expect: unknown;
}

const big = JSON.stringify({ ...ROUTE, desc: 'x'.repeat(1572864) });

const CASES: Case[] = [
  {
    desc: 'a body over 1.5 MiB',
    method: 'PUT',
    path: '/apisix/admin/routes/1',
    body: big,
    status: 400,
    expect: {
      error_msg: `invalid request body: request size ${Buffer.byteLength(big)} is greater than the maximum size 1572864 allowed`,
    },
  },
  {
    desc: 'a body that is not JSON',
    method: 'PUT',
    path: '/apisix/admin/routes/1',
    body: '{"uri":',
    status: 400,
    expect: (b: Record<string, unknown>) =>
      String(b['error_msg']).startsWith('invalid request body: ') && b['req_body'] === '{"uri":',
  },
  {
    desc: 'an empty PUT body',
    method: 'PUT',
    path: '/apisix/admin/routes/1',
    status: 400,
    expect: { error_msg: 'missing configurations' },
  },
  {
    desc: 'an empty POST body',
    method: 'POST',
    path: '/apisix/admin/routes',
    status: 400,
    expect: { error_msg: 'missing configurations' },
  },
  {
    desc: 'a body that is an array',
    method: 'PUT',
    path: '/apisix/admin/routes/1',
    body: '[1]',
    status: 400,
    expect: (b: Record<string, unknown>) =>
      String(b['error_msg']).startsWith('invalid configuration: '),
  },
  {
    desc: 'a body that is a string',
    method: 'PUT',
    path: '/apisix/admin/routes/1',
    body: '"route"',
    status: 400,
    expect: (b: Record<string, unknown>) =>
      String(b['error_msg']).startsWith('invalid configuration: '),
  },
  {
    desc: 'an unknown field',
    method: 'PUT',
    path: '/apisix/admin/routes/1',
    body: { ...ROUTE, foo: 1 },
    status: 400,
    expect: { error_msg: 'invalid configuration: additional properties forbidden, found foo' },
  },
  {
    desc: 'the id ..',
    method: 'PUT',
    path: '/apisix/admin/routes/..',
    body: ROUTE,
    status: 400,
    expect: { error_msg: ID_ERROR },
  },
  {
    desc: 'the id %2e%2e',
    method: 'PUT',
    path: '/apisix/admin/routes/%2e%2e',
    body: ROUTE,
    status: 400,
    expect: { error_msg: ID_ERROR },
  },
  {
    desc: 'the id . ',
    method: 'PUT',
    path: '/apisix/admin/routes/%2E',
    body: ROUTE,
    status: 400,
    expect: { error_msg: ID_ERROR },
  },
  {
    desc: 'the URL id a%2Fb',
    method: 'PUT',
    path: '/apisix/admin/routes/a%2Fb',
    body: ROUTE,
    status: 400,
    expect: { error_msg: ID_ERROR },
  },
  {
    desc: 'the body id a/b',
    method: 'PUT',
    path: '/apisix/admin/routes',
    body: { ...ROUTE, id: 'a/b' },
    status: 400,
    expect: { error_msg: ID_ERROR },
  },
  {
    desc: 'a 65-character id',
    method: 'PUT',
    path: `/apisix/admin/routes/${'a'.repeat(65)}`,
    body: ROUTE,
    status: 400,
    expect: { error_msg: ID_ERROR },
  },
  {
    desc: 'a client create_time',
    method: 'PUT',
    path: '/apisix/admin/routes/1',
    body: { ...ROUTE, create_time: 1 },
    status: 400,
    expect: { error_msg: 'the property is forbidden:  create_time' },
  },
  {
    desc: 'a client update_time inside upstream',
    method: 'POST',
    path: '/apisix/admin/routes',
    body: { ...ROUTE, upstream: { ...UPSTREAM, update_time: 1 } },
    status: 400,
    expect: { error_msg: 'the property is forbidden:  upstream.update_time' },
  },
  {
    desc: 'an unknown resource',
    method: 'PUT',
    path: '/apisix/admin/foo/1',
    body: ROUTE,
    status: 404,
    expect: { error_msg: 'Unsupported resource type: foo' },
  },
  {
    desc: 'a non-numeric ttl',
    method: 'PUT',
    path: '/apisix/admin/routes/1?ttl=abc',
    body: ROUTE,
    status: 400,
    expect: { error_msg: 'invalid argument ttl: should be a number' },
  },
  {
    desc: 'a reference to a missing upstream',
    method: 'PUT',
    path: '/apisix/admin/routes/1',
    body: { uri: '/a', upstream_id: '404' },
    status: 400,
    expect: { error_msg: 'failed to fetch upstream info by upstream id [404], response code: 404' },
  },
  {
    desc: 'PUT to the schema endpoint',
    method: 'PUT',
    path: '/apisix/admin/schema/route',
    body: {},
    status: 404,
    expect: { error_msg: 'not found' },
  },
];

void describe('bad input is refused and nothing is written', () => {
  let admin: TestAdmin;
  before(async () => {
    admin = await startAdmin();
  });
  after(() => admin.close());

  for (const c of CASES) {
    void it(`refuses ${c.desc}`, async () => {
      const before = await admin.revision();
      const res = await admin.request(c.method, c.path, c.body);
      assert.equal(res.status, c.status, res.text);
      if (typeof c.expect === 'function')
        assert.ok((c.expect as (b: unknown) => boolean)(res.body), res.text);
      else assert.deepEqual(res.body, c.expect);
      assert.equal(await admin.revision(), before, 'the store revision moved');
      assert.equal(res.headers['x-gatehouse-revision'], undefined);
    });
  }

  void it('keeps serving the connection after refusing an oversized body', async () => {
    const res = await admin.request('GET', '/apisix/admin/routes');
    assert.equal(res.status, 200);
  });
});

void describe('stream routes when stream mode is off', () => {
  void it('refuses every method with the stream-mode message', async () => {
    const admin = await startAdmin({ proxyMode: 'http' });
    try {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await admin.request(
          method,
          '/apisix/admin/stream_routes/1',
          method === 'PUT' ? {} : undefined,
        );
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, {
          error_msg: 'stream mode is disabled, can not add stream routes',
        });
      }
    } finally {
      await admin.close();
    }
  });
});
