import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import {
  DEFAULT_LISTENER_TIMEOUTS,
  KEEPALIVE_REQUESTS,
  type ListenerTimeouts,
} from '../../src/gateway/connection-rules.js';
import { HttpListeners } from '../../src/gateway/listeners.js';
import { createProxyHandler } from '../../src/proxy/handler.js';
import {
  echoUpstream,
  Feed,
  loopbackUpstream,
  newState,
  upstream,
  type Listening,
} from './helpers.js';
import { countResponses, RawClient } from '../support/raw-client.js';

// nginx_config.http keepalive_timeout and client_header_timeout on the proxy listeners, and
// nginx's keepalive_requests (1000), each checked on a raw connection.

let echo: Listening;
const opened: { listeners: HttpListeners; feed: Feed }[] = [];

before(async () => {
  echo = await echoUpstream();
});

after(async () => {
  for (const o of opened) {
    await o.listeners.drain(0);
    o.feed.state.close();
  }
  await echo.close();
});

/** A proxy listener with `timeouts`, routing everything to the echo upstream; its port. */
async function gatewayWith(timeouts: Partial<ListenerTimeouts>): Promise<number> {
  const feed = new Feed(newState());
  const handler = createProxyHandler(feed.state, { version: '3.14.0', logger: silentLogger() });
  const listeners = new HttpListeners([{ ip: '127.0.0.1', port: 0 }], handler, {
    ...DEFAULT_LISTENER_TIMEOUTS,
    ...timeouts,
  });
  await listeners.listen();
  opened.push({ listeners, feed });
  feed.put('routes/1', {
    uri: '/*',
    upstream: loopbackUpstream(echo.port),
  });
  return listeners.ports()[0]!;
}

const GET = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';

void test('a kept-alive response has no Keep-Alive header, as nginx by default', async () => {
  const client = new RawClient(await gatewayWith({}));
  const text = await client.write(GET).responses(1);
  client.close();
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(text, /\r\nConnection: keep-alive\r\n/);
  assert.doesNotMatch(text, /\r\nKeep-Alive:/i);
});

void test("keepalive_timeout's second time is sent as Keep-Alive: timeout=N, alone", async () => {
  const port = await gatewayWith({ keepalive_timeout: 10_000, keepalive_header_timeout: 5_000 });
  const client = new RawClient(port);
  const text = await client.write(GET).responses(1);
  client.close();
  assert.match(text, /\r\nKeep-Alive: timeout=5\r\n/);
});

void test('an idle keep-alive connection is closed after keepalive_timeout, with nothing sent', async () => {
  const client = new RawClient(await gatewayWith({ keepalive_timeout: 1_000 }));
  const answered = await client.write(GET).responses(1);
  await client.closed;
  assert.equal(client.text, answered);
});

void test("a connection idle past node's 5 s default is still served within keepalive_timeout", async () => {
  const client = new RawClient(await gatewayWith({ keepalive_timeout: 9_000 }));
  await client.write(GET).responses(1);
  await new Promise((resolve) => setTimeout(resolve, 6_500));
  const text = await client.write(GET).responses(2);
  client.close();
  assert.equal(countResponses(text), 2);
});

void test('keepalive_timeout 0 closes the connection after each response, as nginx', async () => {
  const client = new RawClient(await gatewayWith({ keepalive_timeout: 0 }));
  client.write(GET);
  await client.closed;
  assert.equal(countResponses(client.text), 1);
  assert.match(client.text, /\r\nConnection: close\r\n/);
});

void test('a head not complete within client_header_timeout: closed with no answer, as nginx', async () => {
  const client = new RawClient(await gatewayWith({ client_header_timeout: 1_000 }));
  client.write('GET /a HTTP/1.1\r\nHo');
  await client.closed;
  assert.equal(client.text, '');
});

void test('a new connection that sends nothing is closed after client_header_timeout', async () => {
  const client = new RawClient(await gatewayWith({ client_header_timeout: 1_000 }));
  await client.closed;
  assert.equal(client.text, '');
});

void test('a connection is closed after its 1000th request (nginx keepalive_requests), which says Connection: close', async () => {
  const client = new RawClient(await gatewayWith({}));
  // Pipelined, and one more than the limit: nginx answers 1000 and closes without the rest.
  client.write(GET.repeat(KEEPALIVE_REQUESTS + 1));
  await client.closed;
  const text = client.text;
  assert.equal(countResponses(text), KEEPALIVE_REQUESTS);
  const last = text.slice(text.lastIndexOf('HTTP/1.1 '));
  assert.match(last, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(last, /\r\nConnection: close\r\n/);
  assert.equal(text.split('Connection: close').length - 1, 1);
});

void test(
  'a drain closes a kept-alive connection that is done, and lets a request in flight finish',
  // A guard, not a measure: without the sweep the idle connection would hold the drain for 120 s.
  { timeout: 30_000 },
  async () => {
    // An upstream that answers /slow after 1.5 s: longer than a drain's idle sweep.
    let slowArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (slowArrived = resolve));
    const slow = await upstream((req, res) => {
      if (req.url === '/slow') slowArrived();
      setTimeout(() => res.end('late'), req.url === '/slow' ? 1500 : 0);
    });
    const feed = new Feed(newState());
    const handler = createProxyHandler(feed.state, { version: '3.14.0', logger: silentLogger() });
    const listeners = new HttpListeners([{ ip: '127.0.0.1', port: 0 }], handler);
    await listeners.listen();
    feed.put('routes/1', {
      uri: '/*',
      upstream: loopbackUpstream(slow.port),
    });
    const port = listeners.ports()[0]!;
    const idle = new RawClient(port);
    await idle.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n').responses(1);
    const busy = new RawClient(port);
    busy.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await arrived; // the request is in flight: a drain from now on must let it finish

    let drained = false;
    // A deadline far beyond the test's: only the idle sweep can close the idle connection.
    const drain = listeners.drain(120_000).then(() => (drained = true));
    await idle.closed;
    assert.equal(drained, false, 'the drain still waits for the request in flight');
    const text = await busy.responses(1);
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /\r\n\r\nlate$/);
    await drain;
    await busy.closed;
    feed.state.close();
    await slow.close();
  },
);
