import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import {
  listen,
  listenersGateway,
  loopbackUpstream,
  rawExchange,
  type Listening,
} from './helpers.js';

// nginx (and so APISIX) reads a head into a 1 KiB buffer, then into at most four 8 KiB buffers
// (`large_client_header_buffers 4 8k`); a line never spans two of them.

let gw: Awaited<ReturnType<typeof listenersGateway>>;
let port: number;
let upstream: Listening;

before(async () => {
  gw = await listenersGateway();
  port = gw.port;
  // An upstream that takes large heads itself, and tells how many bytes of headers it got.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    const bytes = req.rawHeaders.reduce((n, s) => n + s.length, 0);
    const numbered = req.rawHeaders.filter((s, i) => i % 2 === 0 && s.startsWith('X-N')).length;
    res.end(JSON.stringify({ bytes, numbered }));
  });
  server.maxHeadersCount = 0;
  upstream = await listen(server);
  gw.feed.put('routes/1', {
    uri: '/*',
    upstream: loopbackUpstream(upstream.port),
  });
});

after(async () => {
  await gw.close();
  await upstream.close();
});

/** `count` header lines `X-Hnn: vvv…` of `lineBytes` bytes each, CRLF included. */
function lines(name: string, count: number, lineBytes: number): string {
  let out = '';
  for (let i = 0; i < count; i++) {
    const n = `${name}${String(i).padStart(2, '0')}`;
    out += `${n}: ${'v'.repeat(lineBytes - n.length - 4)}\r\n`;
  }
  return out;
}

const head = (headers: string): string =>
  `GET /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}\r\n`;

/** What the upstream said it got, from the body of a whole raw exchange. */
function upstreamSaw(text: string): { bytes: number; numbered: number } {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as {
    bytes: number;
    numbered: number;
  };
}

const TOO_LARGE_PAGE =
  '<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n' +
  '<center><h1>400 Bad Request</h1></center>\r\n' +
  '<center>Request Header Or Cookie Too Large</center>\r\n' +
  '<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n';

void test("a 21 KiB cookie set in lines under 8 KiB, past node's 16 KiB default, is proxied as nginx does", async () => {
  const text = await rawExchange(port, head(lines('Cookie', 3, 7000)));
  assert.match(text, /^HTTP\/1\.1 200 /);
  const seen = upstreamSaw(text);
  assert.ok(seen.bytes > 3 * 6990, `upstream got ${seen.bytes} bytes of headers`);
});

void test('a header line of exactly 8 KiB is proxied', async () => {
  const text = await rawExchange(port, head(lines('X-Big', 1, 8192)));
  assert.match(text, /^HTTP\/1\.1 200 /);
});

void test('a header line one byte over 8 KiB gets 400 with nginx "Request Header Or Cookie Too Large" page, and the connection closes', async () => {
  // No Connection: close: the exchange ends only if the gateway closes.
  const text = await rawExchange(
    port,
    `GET /h HTTP/1.1\r\nHost: x\r\n${lines('X-Big', 1, 8193)}\r\n`,
  );
  assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(text, /\r\nConnection: close\r\n/);
  assert.ok(text.endsWith(`\r\n\r\n${TOO_LARGE_PAGE}`), text.slice(0, 300));
});

void test('seven 4 KiB header lines fill three and a half large buffers and are proxied', async () => {
  const text = await rawExchange(port, head(lines('X-H', 7, 4096)));
  assert.match(text, /^HTTP\/1\.1 200 /);
  const seen = upstreamSaw(text);
  assert.ok(seen.bytes > 7 * 4080, `upstream got ${seen.bytes} bytes of headers`);
});

void test('five 5000-byte header lines need a fifth large buffer (one each) and get 400, though the head is only 25 KB', async () => {
  const text = await rawExchange(port, head(lines('X-H', 5, 5000)));
  assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.ok(text.endsWith(TOO_LARGE_PAGE));
});

void test("a head past node's limit gets the same 400 page from the parser's error", async () => {
  const text = await rawExchange(port, head(lines('X-H', 6, 7000)));
  assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.ok(text.endsWith(TOO_LARGE_PAGE));
});

void test('a request line of 8 KiB is proxied; with a large header after it, too', async () => {
  const target = `/${'a'.repeat(8192 - 'GET / HTTP/1.1\r\n'.length)}`;
  const text = await rawExchange(
    port,
    `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${lines('X-H', 2, 8000)}\r\n`,
  );
  assert.match(text, /^HTTP\/1\.1 200 /);
});

void test("2100 headers, past node's default count of 2000, all reach the upstream (nginx has no count)", async () => {
  let headers = '';
  for (let i = 0; i < 2100; i++) headers += `X-N${i}: v\r\n`;
  const text = await rawExchange(port, head(headers));
  assert.match(text, /^HTTP\/1\.1 200 /);
  const seen = upstreamSaw(text);
  assert.equal(seen.numbered, 2100);
});
