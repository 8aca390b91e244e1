import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import {
  deadPort,
  echoUpstream,
  gateway,
  send,
  upstream,
  type Gateway,
  type Listening,
} from './helpers.js';

let gw: Gateway;
let live: Listening;
let silent: Listening;
let failing: Listening;
const parked: ServerResponse[] = [];

before(async () => {
  gw = await gateway();
  live = await echoUpstream();
  // Accepts and reads the request, never answers: read timeouts.
  silent = await upstream((_req, res) => parked.push(res));
  failing = await upstream((_req, res) => {
    res.statusCode = 500;
    res.end('boom');
  });
});

after(async () => {
  for (const res of parked) res.destroy();
  await Promise.all([gw.close(), live.close(), silent.close(), failing.close()]);
});

const NGINX_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n' +
  '<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n';

void test('a dead upstream answers 502 with nginx error page, Server and upstream status', async () => {
  gw.feed.put('routes/dead', {
    uri: '/dead',
    upstream: { nodes: { [`127.0.0.1:${await deadPort()}`]: 1 } },
  });
  const r = await send(`${gw.url}/dead`);
  assert.equal(r.status, 502);
  assert.equal(r.body, NGINX_502);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(r.headers.server, 'Gatehouse/3.14.0');
  assert.equal(r.headers['x-apisix-upstream-status'], '502');
});

void test("an upstream with no nodes answers 503 with nginx's page and reason phrase", async () => {
  gw.feed.put('routes/empty', { uri: '/empty', upstream: { nodes: [] } });
  const r = await send(`${gw.url}/empty`);
  assert.equal(r.status, 503);
  assert.equal(r.reason, 'Service Temporarily Unavailable');
  assert.match(r.body, /503 Service Temporarily Unavailable/);
});

void test('a route whose service is missing answers 404 with the nginx page, not JSON', async () => {
  gw.feed.put('routes/nosvc', { uri: '/nosvc', service_id: 'ghost' });
  const r = await send(`${gw.url}/nosvc`);
  assert.equal(r.status, 404);
  assert.match(r.body, /<title>404 Not Found<\/title>/);
});

void test('a route whose upstream_id is missing answers 502', async () => {
  gw.feed.put('routes/noup', { uri: '/noup', upstream_id: 'ghost' });
  assert.equal((await send(`${gw.url}/noup`)).status, 502);
});

void test('an upstream that does not answer within the read timeout gives 504', async () => {
  gw.feed.put('routes/slow', {
    uri: '/slow',
    upstream: {
      nodes: { [`127.0.0.1:${silent.port}`]: 1 },
      timeout: { connect: 1, send: 1, read: 0.2 },
    },
  });
  const started = Date.now();
  const r = await send(`${gw.url}/slow`);
  assert.equal(r.status, 504);
  assert.match(r.body, /504 Gateway Time-out/);
  // Far below nginx's 60 s default: the configured 0.2 s read timeout applied.
  assert.ok(Date.now() - started < 10_000);
});

void test('a route timeout overrides the upstream timeout', async () => {
  gw.feed.put('upstreams/slow', { nodes: { [`127.0.0.1:${silent.port}`]: 1 } });
  gw.feed.put('routes/slow2', {
    uri: '/slow2',
    upstream_id: 'slow',
    timeout: { connect: 1, send: 1, read: 0.2 },
  });
  assert.equal((await send(`${gw.url}/slow2`)).status, 504);
});

void test('an upstream 5xx is passed through with X-APISIX-Upstream-Status and not retried', async () => {
  gw.feed.put('routes/fail', {
    uri: '/fail',
    upstream: {
      nodes: { [`127.0.0.1:${failing.port}`]: 1, [`127.0.0.1:${live.port}`]: 1 },
      type: 'roundrobin',
    },
  });
  const statuses = [];
  for (let i = 0; i < 4; i++) {
    const r = await send(`${gw.url}/fail`);
    statuses.push(r.status);
    if (r.status === 500) {
      assert.equal(r.body, 'boom');
      assert.equal(r.headers['x-apisix-upstream-status'], '500');
    } else assert.equal(r.headers['x-apisix-upstream-status'], undefined);
  }
  assert.deepEqual(statuses.sort(), [200, 200, 500, 500]);
});

void test('client_max_body_size refuses a larger declared body with 413', async () => {
  const small = await gateway({ clientMaxBodySize: 10 });
  try {
    small.feed.put('routes/1', {
      uri: '/up',
      upstream: { nodes: { [`127.0.0.1:${live.port}`]: 1 } },
    });
    const r = await send(`${small.url}/up`, { method: 'POST', body: 'x'.repeat(11) });
    assert.equal(r.status, 413);
    assert.equal(
      (await send(`${small.url}/up`, { method: 'POST', body: 'x'.repeat(10) })).status,
      200,
    );
  } finally {
    await small.close();
  }
});

void test('server_tokens off sends Server: APISIX without a version', async () => {
  const quiet = await gateway({ serverTokens: false });
  try {
    assert.equal((await send(`${quiet.url}/none`)).headers.server, 'Gatehouse');
  } finally {
    await quiet.close();
  }
});
