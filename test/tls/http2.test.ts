import assert from 'node:assert/strict';
import { constants, type ClientHttp2Session } from 'node:http2';
import { after, before, test } from 'node:test';
import { DEFAULT_LISTENER_TIMEOUTS } from '../../src/gateway/connection-rules.js';
import { connectionCounts } from '../../src/plugins/lib/prometheus-connections.js';
import { ROUTE_NOT_FOUND_BODY } from '../../src/proxy/error-pages.js';
import {
  deadPort,
  echoUpstream,
  loopbackUpstream,
  upstream,
  type Listening,
} from '../proxy/helpers.js';
import { pair, pem } from '../support/tls-fixtures.js';
import {
  h2Connect,
  h2Request,
  handshake,
  httpsGateway,
  httpsGet,
  type HttpsGateway,
} from './helpers.js';

let gw: HttpsGateway;
let www: Listening;
let other: Listening;
/** Every process warning while the tests run: node warns of what HTTP/2 cannot carry. */
const warnings: string[] = [];
const onWarning = (w: Error): number => warnings.push(`${w.name}: ${w.message}`);

before(async () => {
  process.on('warning', onWarning);
  gw = await httpsGateway();
  www = await echoUpstream('www');
  other = await echoUpstream('other');
  gw.feed.put('ssls/www', { ...pair('www'), sni: 'www.test.com' });
  gw.feed.put('ssls/wildcard', { ...pair('wildcard'), sni: '*.test.com' });
  gw.feed.put('routes/www', {
    uri: '/echo',
    host: 'www.test.com',
    upstream: loopbackUpstream(www.port),
  });
  gw.feed.put('routes/a', {
    uri: '/echo',
    host: 'a.test.com',
    upstream: loopbackUpstream(other.port),
  });
});

after(async () => {
  process.off('warning', onWarning);
  await Promise.all([gw.close(), www.close(), other.close()]);
});

/** The ALPN protocol the gateway picks when the client offers `offered`. */
async function alpn(port: number, offered: string[]): Promise<string | false> {
  return (await handshake(port, 'www.test.com', { ALPNProtocols: offered })).alpn;
}

async function withSession<T>(
  servername: string,
  use: (session: ClientHttp2Session) => Promise<T>,
): Promise<T> {
  const session = await h2Connect(gw.port, servername);
  try {
    return await use(session);
  } finally {
    session.close();
  }
}

interface Echoed {
  name: string;
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  size: number;
}

void test('ALPN offers h2 first, then http/1.1, with apisix.enable_http2 on (the default)', async () => {
  assert.equal(await alpn(gw.port, ['h2', 'http/1.1']), 'h2');
  assert.equal(await alpn(gw.port, ['http/1.1', 'h2']), 'h2', "the server's preference");
  assert.equal(await alpn(gw.port, ['http/1.1']), 'http/1.1');
});

void test('a GET over HTTP/2 is routed, forwarded as HTTP/1.1 and answered over HTTP/2', async () => {
  const r = await withSession('www.test.com', (s) =>
    h2Request(s, { ':path': '/echo?x=1', 'x-client': 'yes' }),
  );
  assert.equal(r.status, 200);
  assert.match(String(r.headers['server']), /^Gatehouse/);
  const seen = JSON.parse(r.body) as Echoed;
  assert.equal(seen.name, 'www');
  assert.equal(seen.url, '/echo?x=1');
  assert.equal(seen.headers['host'], `www.test.com:${gw.port}`, ':authority is the Host');
  assert.equal(seen.headers['x-client'], 'yes');
  assert.equal(seen.headers['x-forwarded-proto'], 'https');
  assert.equal(seen.headers['x-forwarded-host'], `www.test.com:${gw.port}`);
  assert.equal(seen.headers['x-forwarded-port'], String(gw.port));
  for (const name of Object.keys(seen.headers)) assert.ok(!name.startsWith(':'), name);
});

void test(':authority selects the host route, on one connection whatever its SNI', async () => {
  const [a, w] = await withSession('www.test.com', (s) =>
    Promise.all([
      h2Request(s, { ':path': '/echo', ':authority': 'a.test.com' }),
      h2Request(s, { ':path': '/echo', ':authority': 'www.test.com' }),
    ]),
  );
  assert.equal((JSON.parse(a.body) as Echoed).name, 'other');
  assert.equal((JSON.parse(w.body) as Echoed).name, 'www');
  const seen = JSON.parse(a.body) as Echoed;
  assert.equal(seen.headers['host'], 'a.test.com');
});

void test('a POST body over HTTP/2 reaches the upstream, with or without content-length', async () => {
  const [sized, streamed] = await withSession('www.test.com', (s) =>
    Promise.all([
      h2Request(s, { ':path': '/echo', ':method': 'POST', 'content-length': '5' }, 'hello'),
      h2Request(s, { ':path': '/echo', ':method': 'POST' }, ['a'.repeat(70_000), 'b'.repeat(5)]),
    ]),
  );
  const one = JSON.parse(sized.body) as Echoed;
  assert.deepEqual([one.method, one.size, one.headers['content-length']], ['POST', 5, '5']);
  const two = JSON.parse(streamed.body) as Echoed;
  assert.equal(two.size, 70_005);
  assert.equal(two.headers['transfer-encoding'], 'chunked', 'no length: chunked upstream');
});

void test('cookie fields sent one per cookie reach the upstream as one Cookie header', async () => {
  const r = await withSession('www.test.com', (s) =>
    h2Request(s, { ':path': '/echo', cookie: ['a=1', 'b=2'] }),
  );
  assert.equal((JSON.parse(r.body) as Echoed).headers['cookie'], 'a=1; b=2');
});

void test('no route over HTTP/2: the 404 JSON body', async () => {
  const r = await withSession('www.test.com', (s) => h2Request(s, { ':path': '/nowhere' }));
  assert.equal(r.status, 404);
  assert.equal(r.body, ROUTE_NOT_FOUND_BODY.toString());
});

void test('an upstream that cannot be reached gives the 502 page, with no reason phrase warning', async () => {
  gw.feed.put('routes/dead', { uri: '/dead', upstream: loopbackUpstream(await deadPort()) });
  const r = await withSession('www.test.com', (s) => h2Request(s, { ':path': '/dead' }));
  assert.equal(r.status, 502);
  assert.match(r.body, /<title>502 Bad Gateway<\/title>/);
  assert.match(String(r.headers['content-type']), /^text\/html/);
  assert.deepEqual(warnings, []);
});

void test("an upstream's chunked, Connection: close response streams back over HTTP/2", async () => {
  const chunked = await upstream((_req, res) => {
    res.setHeader('connection', 'close');
    res.setHeader('keep-alive', 'timeout=5');
    res.write('part one, ');
    setTimeout(() => res.end('part two'), 20);
  });
  try {
    gw.feed.put('routes/chunked', { uri: '/chunked', upstream: loopbackUpstream(chunked.port) });
    const r = await withSession('www.test.com', (s) => h2Request(s, { ':path': '/chunked' }));
    assert.equal(r.status, 200);
    assert.equal(r.body, 'part one, part two');
    assert.equal(r.headers['connection'], undefined);
    assert.deepEqual(warnings, []);
  } finally {
    await chunked.close();
  }
});

void test('a response larger than the HTTP/2 windows streams back whole', async () => {
  const big = 'x'.repeat(1 << 20);
  const large = await upstream((_req, res) => {
    res.write(big.slice(0, 1000));
    res.end(big.slice(1000));
  });
  try {
    gw.feed.put('routes/large', { uri: '/large', upstream: loopbackUpstream(large.port) });
    const r = await withSession('www.test.com', (s) => h2Request(s, { ':path': '/large' }));
    assert.equal(r.status, 200);
    assert.equal(r.body.length, big.length);
  } finally {
    await large.close();
  }
});

void test('a stream the client resets stops the upstream request', async () => {
  let arrived!: () => void;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  let aborted!: () => void;
  const stopped = new Promise<void>((resolve) => (aborted = resolve));
  const hanging = await upstream((_req, res) => {
    res.on('close', () => {
      if (!res.writableEnded) aborted();
    });
    arrived();
  });
  try {
    gw.feed.put('routes/hanging', { uri: '/hanging', upstream: loopbackUpstream(hanging.port) });
    await withSession('www.test.com', async (s) => {
      const stream = s.request({ ':path': '/hanging' });
      stream.on('error', () => undefined);
      await reached;
      stream.close(constants.NGHTTP2_CANCEL);
      await stopped;
    });
  } finally {
    await hanging.close();
  }
});

void test("HTTP/2 requests count in prometheus's requests and writing, as HTTP/1.1 ones", async () => {
  const counts = connectionCounts();
  const before = counts.requests;
  await withSession('www.test.com', async (s) => {
    // No upstream: the in-process upstream's own requests would count too.
    await h2Request(s, { ':path': '/nowhere' });
    await h2Request(s, { ':path': '/nowhere/else' });
  });
  assert.equal(counts.requests - before, 2);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(counts.writing, 0, 'every response closed');
});

void test('Expect: 100-continue over HTTP/2: 100 once the proxy reads the body', async () => {
  const r = await withSession('www.test.com', async (s) => {
    const stream = s.request({ ':path': '/echo', ':method': 'POST', expect: '100-continue' });
    stream.once('continue', () => stream.end('after continue'));
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (text += c));
    await new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject));
    return JSON.parse(text) as Echoed;
  });
  assert.equal(r.size, 'after continue'.length);
});

void test('an idle HTTP/2 connection gets GOAWAY after keepalive_timeout', async () => {
  const idle = await httpsGateway({}, { ...DEFAULT_LISTENER_TIMEOUTS, keepalive_timeout: 200 });
  try {
    idle.feed.put('ssls/www', { ...pair('www'), sni: 'www.test.com' });
    const session = await h2Connect(idle.port, 'www.test.com');
    const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
    assert.equal((await h2Request(session, { ':path': '/nowhere' })).status, 404);
    await goaway;
    await closed;
  } finally {
    await idle.close();
  }
});

void test("an HTTP/2 connection gets GOAWAY after nginx's keepalive_requests (1000) streams", async () => {
  const session = await h2Connect(gw.port, 'www.test.com');
  try {
    let goaway = false;
    session.once('goaway', () => (goaway = true));
    for (let batch = 0; batch < 10; batch++) {
      const replies = Array.from({ length: 100 }, () => h2Request(session, { ':path': '/none' }));
      for (const r of await Promise.all(replies)) assert.equal(r.status, 404);
      assert.equal(goaway, batch === 9, `after ${(batch + 1) * 100} streams`);
    }
  } finally {
    session.close();
  }
});

void test('an HTTP/1.1 client is still served when HTTP/2 is on', async () => {
  const r = await httpsGet(gw.port, 'www.test.com', '/echo');
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body) as Echoed).name, 'www');
});

void test('mTLS admission holds for HTTP/2 requests (skip_mtls_uri_regex, Host = SNI)', async () => {
  gw.feed.put('ssls/m', {
    ...pair('other'),
    sni: 'other.example',
    client: { ca: pem('root.crt'), skip_mtls_uri_regex: ['^/echo$'] },
  });
  gw.feed.put('routes/m', {
    uri: '/*',
    host: 'other.example',
    upstream: loopbackUpstream(www.port),
  });
  const session = await h2Connect(gw.port, 'other.example');
  try {
    assert.equal((await h2Request(session, { ':path': '/echo' })).status, 200);
    assert.equal((await h2Request(session, { ':path': '/private' })).status, 400);
  } finally {
    session.close();
  }
  const client = { cert: pem('client.crt'), key: pem('client.key') };
  const verified = await h2Connect(gw.port, 'other.example', client);
  try {
    assert.equal((await h2Request(verified, { ':path': '/private' })).status, 200);
  } finally {
    verified.close();
  }
  const fromWww = await withSession('www.test.com', (s) =>
    h2Request(s, { ':path': '/echo', ':authority': 'other.example' }),
  );
  assert.equal(fromWww.status, 400, "another SNI cannot reach an mTLS object's host");
  gw.feed.delete('routes/m');
  gw.feed.delete('ssls/m');
});

void test('apisix.enable_http2: false keeps ALPN to http/1.1', async () => {
  const off = await httpsGateway({}, undefined, { enable_http2: false });
  try {
    off.feed.put('ssls/www', { ...pair('www'), sni: 'www.test.com' });
    assert.equal(await alpn(off.port, ['h2', 'http/1.1']), 'http/1.1');
    // As nginx: a client that offers only protocols the server does not speak is refused.
    await assert.rejects(alpn(off.port, ['h2']), {
      code: 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL',
    });
  } finally {
    await off.close();
  }
});

void test('a drain sends GOAWAY: the stream in flight finishes, then the connection closes', async () => {
  const slow = await upstream((_req, res) => {
    setTimeout(() => res.end('late'), 300);
  });
  const gw2 = await httpsGateway();
  try {
    gw2.feed.put('ssls/www', { ...pair('www'), sni: 'www.test.com' });
    gw2.feed.put('routes/slow', { uri: '/slow', upstream: loopbackUpstream(slow.port) });
    const session = await h2Connect(gw2.port, 'www.test.com');
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
    const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
    const reply = h2Request(session, { ':path': '/slow' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const drained = gw2.drain(5_000);
    await goaway;
    const r = await reply;
    assert.deepEqual([r.status, r.body], [200, 'late']);
    await closed;
    await drained;
  } finally {
    await slow.close();
  }
});
