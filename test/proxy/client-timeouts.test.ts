import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import {
  echoUpstream,
  gateway,
  json,
  loopbackUpstream,
  send,
  upstream,
  type Gateway,
  type Listening,
} from './helpers.js';
import { RawClient } from '../support/raw-client.js';

// nginx_config.http client_body_timeout and send_timeout on the proxy path, with short
// configured times: what happens, never how fast.

let gw: Gateway;
let echo: Listening;
/** Answers its head at once and keeps the response open until the test ends it. */
let early: Listening;
const earlyResponses: ServerResponse[] = [];
/** Streams `BIG` bytes, reporting whether the response was cut before it ended. */
let big: Listening;
const BIG = 64 * 1024 * 1024;
let bigOutcome: Promise<'cut' | 'complete'>;
let reportBig: (o: 'cut' | 'complete') => void = () => undefined;

before(async () => {
  echo = await echoUpstream();
  early = await upstream((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('started');
    earlyResponses.push(res);
    req.resume();
  });
  big = await upstream((_req, res) => {
    const chunk = Buffer.alloc(64 * 1024, 97);
    let sent = 0;
    res.writeHead(200, { 'content-length': String(BIG) });
    res.on('close', () => reportBig(sent < BIG ? 'cut' : 'complete'));
    const pump = (): void => {
      while (sent < BIG) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  gw = await gateway({ clientBodyTimeoutMs: 1_000, sendTimeoutMs: 1_000 });
  const route = (id: string, uri: string, port: number): void =>
    gw.feed.put(`routes/${id}`, {
      uri,
      upstream: loopbackUpstream(port),
    });
  route('1', '/echo', echo.port);
  route('2', '/early', early.port);
  route('3', '/big', big.port);
});

after(async () => {
  for (const res of earlyResponses) res.destroy();
  await gw.close();
  await echo.close();
  await early.close();
  await big.close();
});

const post = (path: string, headers: string): string =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`;

void test('a body that stalls past client_body_timeout: the connection is closed with no answer, as nginx', async () => {
  const client = new RawClient(gw.port).write(post('/echo', 'Content-Length: 10\r\n') + 'abc');
  await client.closed;
  assert.equal(client.text, '');
});

void test('a chunked body that stalls past client_body_timeout is closed with no answer too', async () => {
  const client = new RawClient(gw.port).write(
    post('/echo', 'Transfer-Encoding: chunked\r\n') + '3\r\nabc\r\n',
  );
  await client.closed;
  assert.equal(client.text, '');
});

void test('client_body_timeout is between two reads, not for the whole body: a slow steady body is proxied', async () => {
  const client = new RawClient(gw.port).write(
    post('/echo', 'Content-Length: 4\r\nConnection: close\r\n'),
  );
  // Each byte comes well within the timeout; all of them take longer than it.
  for (const byte of 'abcd') {
    await new Promise((resolve) => setTimeout(resolve, 400));
    client.write(byte);
  }
  await client.closed;
  assert.match(client.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.equal(JSON.parse(client.text.slice(client.text.indexOf('\r\n\r\n') + 4)).size, 4);
});

void test('body bytes that came in while the loop was stalled past client_body_timeout are a read, not a timeout', async () => {
  let client!: RawClient;
  // Once the first bytes went through, the client sends the rest and the loop stalls past the
  // 100 ms timeout (a descheduled process, a long GC), from the end of a turn: the next turn
  // begins with the timers, the body's among them, long due, before the bytes are read.
  const counting = await upstream((req, res) => {
    let size = 0;
    req.once('data', () =>
      setImmediate(() => {
        client.write('cd');
        const until = Date.now() + 250;
        while (Date.now() < until);
      }),
    );
    req.on('data', (chunk: Buffer) => (size += chunk.length));
    req.on('end', () => res.end(String(size)));
  });
  const quick = await gateway({ clientBodyTimeoutMs: 100 });
  try {
    quick.feed.put('routes/1', { uri: '/count', upstream: loopbackUpstream(counting.port) });
    client = new RawClient(quick.port).write(
      post('/count', 'Content-Length: 4\r\nConnection: close\r\n') + 'ab',
    );
    await client.closed;
    assert.match(client.text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(client.text.slice(client.text.indexOf('\r\n\r\n') + 4), '4');
  } finally {
    await quick.close();
    await counting.close();
  }
});

void test('a body that stalls after the upstream answered: the response is cut off', async () => {
  const client = new RawClient(gw.port).write(post('/early', 'Content-Length: 10\r\n') + 'abc');
  await client.until((t) => t.includes('started'));
  await client.closed;
  assert.match(client.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.doesNotMatch(client.text, /\r\n0\r\n\r\n$/, 'the chunked response never ended');
});

void test('a client that stops reading is disconnected after send_timeout, and the upstream request is cut', async () => {
  bigOutcome = new Promise((resolve) => (reportBig = resolve));
  const client = new RawClient(gw.port);
  client.socket.pause();
  client.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(await bigOutcome, 'cut');
  client.socket.resume();
  await client.closed;
  assert.match(client.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(client.text.length < BIG, `read ${client.text.length} bytes`);
});

void test('a client that pauses reading for less than send_timeout gets the whole response', async () => {
  bigOutcome = new Promise((resolve) => (reportBig = resolve));
  const client = new RawClient(gw.port);
  client.socket.pause();
  client.write('GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await new Promise((resolve) => setTimeout(resolve, 300));
  client.socket.resume();
  await client.closed;
  assert.equal(await bigOutcome, 'complete');
  assert.equal(client.text.length - client.text.indexOf('\r\n\r\n') - 4, BIG);
});

/** Timers created (node's own included) while `fn` runs. */
async function timersDuring(fn: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'Timeout') n++;
    },
  }).enable();
  try {
    await fn();
  } finally {
    hook.disable();
  }
  return n;
}

void test('a bodyless GET makes no timer for client_body_timeout or send_timeout', async () => {
  const bare = await gateway();
  bare.feed.put('routes/1', {
    uri: '/echo',
    upstream: loopbackUpstream(echo.port),
  });
  try {
    // Warm both paths first (pools, first-use caches).
    await send(`${gw.url}/echo`);
    await send(`${bare.url}/echo`);
    // The fewest of a few tries: a timer of something else running meanwhile (a pool's idle
    // sweep) lands in one try, not in all.
    const fewest = async (url: string): Promise<number> => {
      let n = Infinity;
      for (let i = 0; i < 5; i++) n = Math.min(n, await timersDuring(() => send(url)));
      return n;
    };
    assert.equal(await fewest(`${gw.url}/echo`), await fewest(`${bare.url}/echo`));
    assert.equal(json(await send(`${gw.url}/echo`)).method, 'GET');
  } finally {
    await bare.close();
  }
});
