import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  echoUpstream,
  listenersGateway,
  loopbackUpstream,
  rawExchange,
  type Listening,
} from './helpers.js';

let gw: Awaited<ReturnType<typeof listenersGateway>>;
let port: number;
let echo: Listening;

before(async () => {
  gw = await listenersGateway();
  port = gw.port;
  echo = await echoUpstream();
  gw.feed.put('routes/1', {
    uri: '/*',
    upstream: loopbackUpstream(echo.port),
  });
});

after(async () => {
  await gw.close();
  await echo.close();
});

const exchange = (raw: string): Promise<string> => rawExchange(port, raw);

const cases = [
  {
    desc: "a request line past 8 KiB (nginx large_client_header_buffers) gets 414, within node's head limit",
    raw: `GET /${'a'.repeat(10_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: '414 Request-URI Too Large',
  },
  {
    desc: "a request line longer than node's head limit gets 414, as nginx",
    raw: `GET /${'a'.repeat(40_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: '414 Request-URI Too Large',
  },
  {
    desc: "a header longer than node's head limit gets 400 (nginx 494), not node 431",
    raw: `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`,
    status: '400 Bad Request',
  },
  {
    desc: 'an unparsable request line gets 400 with nginx page',
    raw: 'GARBAGE\r\n\r\n',
    status: '400 Bad Request',
  },
  {
    desc: 'CONNECT gets 405, as nginx since 1.21.1, instead of a silent close',
    raw: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    status: '405 Not Allowed',
  },
  {
    desc: 'a second Host header gets 400, as nginx ("client sent duplicate host header")',
    raw: 'GET / HTTP/1.1\r\nHost: a.example\r\nhost: b.example\r\nConnection: close\r\n\r\n',
    status: '400 Bad Request',
  },
];

for (const c of cases) {
  void test(c.desc, async () => {
    const text = await exchange(c.raw);
    assert.match(text, new RegExp(`^HTTP/1\\.1 ${c.status}\\r\\n`));
    assert.match(text, /\r\nServer: Gatehouse\/3\.14\.0\r\n/);
    assert.match(text, /<hr><center>openresty<\/center>/);
  });
}

void test('an Expect other than 100-continue is ignored, as nginx, not answered 417', async () => {
  const text = await exchange(
    'POST /x HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab',
  );
  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.match(text, /"size":2/);
});

void test('an absolute-form target is routed on its path and host and proxied in origin form, as nginx', async () => {
  gw.feed.put('routes/abs', {
    uri: '/abs/*',
    hosts: ['abs.example'],
    upstream: loopbackUpstream(echo.port),
  });
  const text = await exchange(
    'GET http://abs.example:8080/abs/x?q=1 HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n',
  );
  assert.match(text, /^HTTP\/1\.1 200 /);
  const seen = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as {
    url: string;
    headers: Record<string, string>;
  };
  assert.equal(seen.url, '/abs/x?q=1');
  // pass_host pass sends the Host header as received ($http_host).
  assert.equal(seen.headers['host'], 'other');
  const userinfo = await exchange(
    'GET http://u@abs.example/abs/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  assert.match(userinfo, /^HTTP\/1\.1 400 /);
});

void test('the listener still serves after malformed requests', async () => {
  const text = await exchange('GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(text, /^HTTP\/1\.1 200 /);
});
