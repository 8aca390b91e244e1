import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  echoUpstream,
  gateway,
  json,
  send,
  upstream,
  type Gateway,
  type Listening,
} from './helpers.js';

let gw: Gateway;
let echo: Listening;
let hop: Listening;

before(async () => {
  gw = await gateway();
  echo = await echoUpstream();
  hop = await upstream((_req, res) => {
    res.writeHead(200, {
      Connection: 'X-Secret, keep-alive',
      'X-Secret': 'hidden',
      'Keep-Alive': 'timeout=5',
      'X-Kept': 'yes',
      Server: 'upstream/1.0',
    });
    res.end('ok');
  });
  const node = { [`127.0.0.1:${echo.port}`]: 1 };
  gw.feed.put('routes/pass', { uri: '/pass', upstream: { nodes: node } });
  gw.feed.put('routes/node', { uri: '/node', upstream: { nodes: node, pass_host: 'node' } });
  gw.feed.put('routes/rewrite', {
    uri: '/rewrite',
    upstream: { nodes: node, pass_host: 'rewrite', upstream_host: 'backend.internal' },
  });
  gw.feed.put('routes/hop', { uri: '/hop', upstream: { nodes: { [`127.0.0.1:${hop.port}`]: 1 } } });
});

after(async () => {
  await Promise.all([gw.close(), echo.close(), hop.close()]);
});

type Headers = Record<string, string | undefined>;
const seen = async (path: string, headers: Record<string, string> = {}): Promise<Headers> =>
  json(await send(`${gw.url}${path}`, { headers })).headers as Headers;

const cases: { desc: string; path: string; host: () => string }[] = [
  {
    desc: 'pass sends the client Host as received, port included',
    path: '/pass',
    host: () => 'api.example.com:8080',
  },
  {
    desc: 'node sends the node address and its non-default port',
    path: '/node',
    host: () => `127.0.0.1:${echo.port}`,
  },
  { desc: 'rewrite sends upstream_host', path: '/rewrite', host: () => 'backend.internal' },
];
for (const c of cases) {
  void test(`pass_host ${c.desc}`, async () => {
    assert.equal((await seen(c.path, { Host: 'api.example.com:8080' })).host, c.host());
  });
}

void test('X-Real-IP, X-Forwarded-For (appended), -Proto, -Host and -Port are set as APISIX sets them', async () => {
  const h = await seen('/pass', {
    Host: 'api.example.com:8080',
    'X-Forwarded-For': '10.0.0.1',
    'X-Forwarded-Proto': 'https',
    'X-Forwarded-Host': 'evil.com',
    Forwarded: 'for=1.2.3.4',
  });
  assert.equal(h['x-real-ip'], '127.0.0.1');
  assert.equal(h['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
  assert.equal(h['x-forwarded-proto'], 'http');
  assert.equal(h['x-forwarded-host'], 'api.example.com:8080');
  assert.equal(h['x-forwarded-port'], '8080');
  assert.equal(h.forwarded, undefined);
});

void test('X-Forwarded-Port falls back to the listener port when Host has none', async () => {
  assert.equal(
    (await seen('/pass', { Host: 'api.example.com' }))['x-forwarded-port'],
    String(gw.port),
  );
});

void test('a trusted peer keeps its X-Forwarded-Proto and -Host', async () => {
  const trusting = await gateway({ trustedAddresses: ['127.0.0.0/8'] });
  try {
    trusting.feed.put('routes/1', {
      uri: '/t',
      upstream: { nodes: { [`127.0.0.1:${echo.port}`]: 1 } },
    });
    const r = await send(`${trusting.url}/t`, {
      headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'a.com' },
    });
    const h = json(r).headers as Headers;
    assert.equal(h['x-forwarded-proto'], 'https');
    assert.equal(h['x-forwarded-host'], 'a.com');
  } finally {
    await trusting.close();
  }
});

void test('the client address comes from real_ip_header when the peer is in real_ip_from', async () => {
  const behind = await gateway({
    realIpHeader: 'X-Forwarded-For',
    realIpFrom: ['127.0.0.1'],
    realIpRecursive: true,
  });
  try {
    behind.feed.put('routes/1', {
      uri: '/ip',
      remote_addrs: ['203.0.113.0/24'],
      upstream: { nodes: { [`127.0.0.1:${echo.port}`]: 1 } },
    });
    const r = await send(`${behind.url}/ip`, {
      headers: { 'X-Forwarded-For': '203.0.113.9, 127.0.0.1' },
    });
    assert.equal(r.status, 200);
    assert.equal((json(r).headers as Headers)['x-real-ip'], '203.0.113.9');
    assert.equal((await send(`${behind.url}/ip`)).status, 404);
  } finally {
    await behind.close();
  }
});

void test('an untrusted peer cannot set its address through the real-ip header', async () => {
  const strict = await gateway({ realIpHeader: 'X-Real-IP', realIpFrom: ['10.0.0.0/8'] });
  try {
    strict.feed.put('routes/1', {
      uri: '/ip',
      upstream: { nodes: { [`127.0.0.1:${echo.port}`]: 1 } },
    });
    const r = await send(`${strict.url}/ip`, { headers: { 'X-Real-IP': '8.8.8.8' } });
    assert.equal((json(r).headers as Headers)['x-real-ip'], '127.0.0.1');
  } finally {
    await strict.close();
  }
});

void test('hop-by-hop request headers and those Connection names are not forwarded', async () => {
  const h = await seen('/pass', {
    Connection: 'X-Private, keep-alive',
    'X-Private': 'secret',
    TE: 'trailers',
    'Proxy-Authorization': 'Basic eA==',
    'X-Normal': 'kept',
  });
  assert.equal(h['x-private'], undefined);
  assert.equal(h.te, undefined);
  assert.equal(h['proxy-authorization'], undefined);
  assert.equal(h['x-normal'], 'kept');
});

void test('hop-by-hop response headers and those Connection names are not passed back; Server is APISIX', async () => {
  const r = await send(`${gw.url}/hop`);
  assert.equal(r.headers['x-secret'], undefined);
  assert.equal(r.headers['x-kept'], 'yes');
  assert.equal(r.headers.server, 'Gatehouse/3.14.0');
});

void test('routing uses the normalised path while the upstream gets the original request target', async () => {
  const r = await send(`${gw.url}/x/../p%61ss?q=%2F`);
  assert.equal(r.status, 200);
  assert.equal(json(r).url, '/x/../p%61ss?q=%2F');
});

void test('a path that climbs above the root is refused with 400', async () => {
  assert.equal((await send(`${gw.url}/../etc/passwd`)).status, 400);
});
