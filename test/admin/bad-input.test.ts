import assert from 'node:assert/strict';
import { connect } from 'node:net';
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
const DEEP_PREFIX = '{"uri":"/a","desc":';
const tooDeep = `${DEEP_PREFIX}${'['.repeat(1000)}${']'.repeat(1000)}}`;
const TTL_RANGE =
  'invalid argument ttl: should be a number of seconds, above 0 and at most 9000000000';

/** A 400 for a body that parses as JSON but that APISIX's decoder or store would not take. */
function refusedBody(reason: string): (b: Record<string, unknown>) => boolean {
  return (b) =>
    b['error_msg'] === `invalid request body: ${reason}` && typeof b['req_body'] === 'string';
}

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
    desc: 'a body nested deeper than lua-cjson decodes (1000 levels)',
    method: 'PUT',
    path: '/apisix/admin/routes/1',
    body: tooDeep,
    status: 400,
    expect: refusedBody(
      `Found too many nested data structures (1001) at character ${DEEP_PREFIX.length + 1000}`,
    ),
  },
  {
    desc: 'a number too large for a double, which would be stored as null',
    method: 'PUT',
    path: '/apisix/admin/routes/1',
    body: '{"uri":"/a","priority":1e400,"upstream_id":"1"}',
    status: 400,
    expect: refusedBody('number 1e400 at character 24 is out of range'),
  },
  {
    desc: 'a negative number too large for a double in a PATCH',
    method: 'PATCH',
    path: '/apisix/admin/routes/1',
    body: '{"labels":{"a":"b"},"priority":-1E999}',
    status: 400,
    expect: refusedBody('number -1E999 at character 32 is out of range'),
  },
  {
    desc: 'a body that is not UTF-8 (stored as U+FFFD before)',
    method: 'PUT',
    path: '/apisix/admin/routes/1',
    body: Buffer.from('{"uri":"/a","desc":"caf\xe9","upstream_id":"1"}', 'latin1'),
    status: 400,
    expect: { error_msg: 'invalid request body: the body is not valid UTF-8' },
  },
  {
    desc: 'a body that starts with a byte order mark',
    method: 'PUT',
    path: '/apisix/admin/routes/1',
    body: `\ufeff${JSON.stringify(ROUTE)}`,
    status: 400,
    expect: (b: Record<string, unknown>) =>
      String(b['error_msg']).startsWith('invalid request body: ') && 'req_body' in b,
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
    desc: 'a ttl of 0',
    method: 'PUT',
    path: '/apisix/admin/routes/1?ttl=0',
    body: ROUTE,
    status: 400,
    expect: { error_msg: TTL_RANGE },
  },
  {
    desc: 'a negative ttl on POST (no id is spent either)',
    method: 'POST',
    path: '/apisix/admin/routes?ttl=-1',
    body: ROUTE,
    status: 400,
    expect: { error_msg: TTL_RANGE },
  },
  {
    desc: 'a ttl longer than etcd grants',
    method: 'PATCH',
    path: '/apisix/admin/routes/1?ttl=99999999999999999',
    body: { desc: 'd' },
    status: 400,
    expect: { error_msg: TTL_RANGE },
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

  void it('stores a value nested as deep as lua-cjson decodes', async () => {
    const deep = `${'['.repeat(998)}${']'.repeat(998)}`;
    const body = `{"ikey":1,"skey":"s","deep":${deep}}`;
    const res = await admin.request('PUT', '/apisix/admin/plugin_metadata/example-plugin', body);
    assert.equal(res.status, 201, res.text.slice(0, 200));
    const got = await admin.request('GET', '/apisix/admin/plugin_metadata/example-plugin');
    assert.equal(JSON.stringify(got.body.value.deep), deep);
  });

  void it('answers CONNECT with 404 not found instead of dropping the connection', async () => {
    const reply = await rawExchange(
      admin.port,
      'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: x\r\nX-API-KEY: admin-key-for-tests\r\n\r\n',
    );
    assert.match(reply, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.ok(reply.endsWith('\r\n\r\n{"error_msg":"not found"}\n'), reply);
  });

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

/** Writes `request` on a fresh connection and reads until the server closes it. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
  });
}
