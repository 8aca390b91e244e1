import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { silentLogger } from '../../src/core/logger.js';
import { HttpListeners } from '../../src/gateway/listeners.js';
import { createProxyHandler } from '../../src/proxy/handler.js';
import { countResponses, RawClient } from '../support/raw-client.js';
import {
  Feed,
  listen,
  listenersGateway,
  loopbackUpstream,
  newState,
  upstream,
  type Listening,
} from './helpers.js';

// nginx reads a connection's next request only once the previous response is done, so the
// requests a client pipelines on one connection are served one at a time, in order (node:http
// would hand them all to the handler as soon as they are parsed).

/** An upstream that holds each request HOLD_MS and records how many it had at once. */
class CountingUpstream {
  seen: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  server!: Listening;

  async start(): Promise<void> {
    this.server = await upstream((req, res) => {
      this.seen.push(req.url ?? '');
      this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
      req.resume();
      setTimeout(() => {
        this.inFlight--;
        res.end(`done ${req.url}`);
      }, HOLD_MS);
    });
  }

  reset(): void {
    this.seen = [];
    this.maxInFlight = 0;
  }
}

const HOLD_MS = 50;
const counting = new CountingUpstream();
let gw: Awaited<ReturnType<typeof listenersGateway>>;

before(async () => {
  await counting.start();
  gw = await listenersGateway();
  gw.feed.put('routes/1', { uri: '/*', upstream: loopbackUpstream(counting.server.port) });
});

after(async () => {
  await gw.close();
  await counting.server.close();
});

const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

/** The bodies of the responses in `text`, in order. */
const bodies = (text: string): string[] =>
  text
    .split('HTTP/1.1 ')
    .slice(1)
    .map((r) => r.slice(r.indexOf('\r\n\r\n') + 4));

void test('pipelined requests reach the upstream one at a time, in order', async () => {
  counting.reset();
  const client = new RawClient(gw.port);
  const text = await client.write(get('/1') + get('/2') + get('/3')).responses(3);
  client.close();
  assert.deepEqual(bodies(text), ['done /1', 'done /2', 'done /3']);
  assert.deepEqual(counting.seen, ['/1', '/2', '/3']);
  assert.equal(counting.maxInFlight, 1);
});

void test('a pipelined request is read only after the response before it, even with a body', async () => {
  counting.reset();
  const client = new RawClient(gw.port);
  const post = 'POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello';
  const text = await client.write(get('/1') + post + get('/3')).responses(3);
  client.close();
  assert.deepEqual(bodies(text), ['done /1', 'done /2', 'done /3']);
  assert.equal(counting.maxInFlight, 1);
});

void test('the pipelined requests of a connection closed meanwhile never reach the upstream', async () => {
  counting.reset();
  const client = new RawClient(gw.port);
  client.write(get('/1') + get('/2') + get('/3'));
  await until(() => counting.seen.length > 0);
  client.close();
  // A request on another connection, served after the first one's hold: nothing came between.
  const other = new RawClient(gw.port);
  await other.write(get('/other')).responses(1);
  other.close();
  assert.deepEqual(counting.seen, ['/1', '/other']);
});

void test('100 Continue for a pipelined request comes after the response before it', async () => {
  counting.reset();
  const client = new RawClient(gw.port);
  const expecting =
    'POST /2 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n';
  client.write(get('/1') + expecting);
  await client.until((t) => t.includes('100 Continue'));
  const text = await client.write('hi').responses(3);
  client.close();
  assert.equal(countResponses(text), 3);
  assert.match(
    text,
    /^HTTP\/1\.1 200 OK\r\n[^]*done \/1HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /,
  );
  assert.deepEqual(counting.seen, ['/1', '/2']);
});

void test('a drain serves the pipelined request waiting behind one in flight with Connection: close, and no more', async () => {
  counting.reset();
  const feed = new Feed(newState());
  const handler = createProxyHandler(feed.state, { version: '3.14.0', logger: silentLogger() });
  const listeners = new HttpListeners([{ ip: '127.0.0.1', port: 0 }], handler);
  await listeners.listen();
  feed.put('routes/1', { uri: '/*', upstream: loopbackUpstream(counting.server.port) });
  const client = new RawClient(listeners.ports()[0]!);
  client.write(get('/1') + get('/2') + get('/3'));
  await until(() => counting.seen.length > 0);
  const drained = listeners.drain(10_000);
  await client.closed;
  await drained;
  feed.state.close();
  assert.deepEqual(bodies(client.text), ['done /1', 'done /2']);
  const second = client.text.slice(client.text.lastIndexOf('HTTP/1.1 '));
  assert.match(second, /\r\nConnection: close\r\n/);
  assert.deepEqual(counting.seen, ['/1', '/2']);
});

void test(
  'an upgrade pipelined behind a request is proxied once that response is done',
  { timeout: 10_000 },
  async () => {
    const plain = createServer((_req, res) => setTimeout(() => res.end('plain'), HOLD_MS));
    const wss = new WebSocketServer({ server: plain });
    wss.on('connection', (ws) => ws.on('message', (m: Buffer) => ws.send(`echo:${m.toString()}`)));
    const up = await listen(plain);
    gw.feed.put('routes/ws', {
      uri: '/ws/*',
      enable_websocket: true,
      upstream: loopbackUpstream(up.port),
    });
    const client = new RawClient(gw.port);
    const upgrade =
      'GET /ws/b HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    const text = await client
      .write(get('/ws/a') + upgrade)
      .until((t) => t.includes('HTTP/1.1 101 '));
    client.close();
    wss.close();
    await up.close();
    assert.match(
      text,
      /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nplainHTTP\/1\.1 101 Switching Protocols\r\n/,
    );
  },
);

/** Resolves once `done` holds, checked on every turn of the event loop. */
function until(done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (done()) resolve();
      else setImmediate(check);
    };
    check();
  });
}
