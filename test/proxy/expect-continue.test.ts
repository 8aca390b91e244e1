import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import {
  echoUpstream,
  listenersGateway,
  loopbackUpstream,
  rawExchange,
  type Listening,
} from './helpers.js';

// nginx sends "100 Continue" when it starts reading the body (ngx_http_test_expect), and never
// before refusing a declared Content-Length over client_max_body_size.

let gw: Awaited<ReturnType<typeof listenersGateway>>;
let port: number;
let echo: Listening;

before(async () => {
  gw = await listenersGateway({ clientMaxBodySize: 10 });
  port = gw.port;
  echo = await echoUpstream();
  gw.feed.put('routes/1', {
    uri: '/up/*',
    upstream: loopbackUpstream(echo.port),
  });
});

after(async () => {
  await gw.close();
  await echo.close();
});

const expecting = (path: string, length: number, extra = ''): string =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${length}\r\n${extra}\r\n`;

/** Sends the head, waits for "100 Continue", then sends the body; resolves with all it read. */
function continued(head: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let sent = false;
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (!sent && text.includes('\r\n\r\n')) {
        sent = true;
        if (text.startsWith('HTTP/1.1 100 ')) socket.write(body);
      }
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.write(head);
  });
}

void test('a declared body over client_max_body_size gets 413 without 100 Continue, and the connection closes', async () => {
  // The body is never sent: the exchange ends only because the gateway closes.
  const text = await rawExchange(port, expecting('/up/x', 11));
  assert.match(text, /^HTTP\/1\.1 413 Request Entity Too Large\r\n/);
  assert.doesNotMatch(text, /100 Continue/);
  assert.match(text, /\r\nConnection: close\r\n/);
});

void test('a 100-continue request within the limit gets 100 Continue, then its body reaches the upstream', async () => {
  const text = await continued(expecting('/up/x', 5, 'Connection: close\r\n'), 'hello');
  assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  assert.match(text, /"size":5/);
  assert.doesNotMatch(text, /"expect"/);
});

void test('a chunked 100-continue request gets 100 Continue, then its body reaches the upstream', async () => {
  const head =
    'POST /up/x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n' +
    'Connection: close\r\n\r\n';
  const text = await continued(head, '3\r\nabc\r\n0\r\n\r\n');
  assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  assert.match(text, /"size":3/);
});

void test('an answer that reads no body (no route matched) comes without 100 Continue, and the connection closes', async () => {
  const text = await rawExchange(port, expecting('/elsewhere', 5));
  assert.match(text, /^HTTP\/1\.1 404 /);
  assert.doesNotMatch(text, /100 Continue/);
  assert.match(text, /\r\nConnection: close\r\n/);
});
