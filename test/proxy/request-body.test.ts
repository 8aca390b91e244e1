import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { echoUpstream, gateway, json, type Gateway, type Listening } from './helpers.js';

let echo: Listening;
let gw: Gateway;
/** Accepts connections and never reads from them: its receive buffer fills up. */
let deaf: { port: number; close(): Promise<void> };

before(async () => {
  echo = await echoUpstream();
  gw = await gateway({ clientMaxBodySize: 4096 });
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.pause();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  deaf = {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  gw.feed.put('routes/echo', {
    uri: '/echo',
    upstream: {
      nodes: { [`127.0.0.1:${echo.port}`]: 1 },
      timeout: { connect: 1, send: 0.2, read: 5 },
    },
  });
  gw.feed.put('routes/deaf', {
    uri: '/deaf',
    upstream: {
      nodes: { [`127.0.0.1:${deaf.port}`]: 1 },
      timeout: { connect: 1, send: 0.2, read: 30 },
    },
  });
});

after(async () => {
  await gw.close();
  await echo.close();
  await deaf.close();
});

interface Streamed {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * POSTs a chunked body (no Content-Length) written `chunk` bytes at a time, waiting `pauseMs`
 * between writes, until `total` bytes are sent or the response arrives.
 */
function postChunked(url: string, total: number, chunk: number, pauseMs = 0): Promise<Streamed> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(
      url,
      { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, agent: false },
      (res) => {
        answered = true;
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts).toString(),
          });
          req.destroy();
        });
      },
    );
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const piece = Buffer.alloc(chunk, 0x61);
    void (async () => {
      for (let sent = 0; sent < total && !answered && !req.destroyed; sent += chunk) {
        if (!req.write(piece)) await new Promise((r) => req.once('drain', r));
        if (pauseMs > 0) await sleep(pauseMs);
      }
      if (!answered && !req.destroyed) req.end();
    })();
  });
}

void test('a chunked body within client_max_body_size is streamed upstream whole', async () => {
  const r = await postChunked(`${gw.url}/echo`, 4096, 1024);
  assert.equal(r.status, 200);
  assert.equal(json(r).size, 4096);
  assert.equal((json(r).headers as Record<string, string>)['transfer-encoding'], 'chunked');
});

void test('a chunked body that grows past client_max_body_size is cut with 413 and the connection closed', async () => {
  const r = await postChunked(`${gw.url}/echo`, 64 * 1024, 1024);
  assert.equal(r.status, 413);
  assert.match(r.body, /413 Request Entity Too Large/);
  assert.equal(r.headers.connection, 'close');
  assert.equal(r.headers['x-apisix-upstream-status'], undefined);
});

void test('the gateway keeps serving after cutting a body (the aborted upstream try is cleaned up)', async () => {
  await postChunked(`${gw.url}/echo`, 64 * 1024, 1024);
  const r = await postChunked(`${gw.url}/echo`, 2048, 512);
  assert.equal(r.status, 200);
  assert.equal(json(r).size, 2048);
});

void test('an upstream that stops taking the request body gives 504 after the send timeout', async () => {
  const big = await gateway();
  try {
    big.feed.put('routes/deaf', {
      uri: '/deaf',
      upstream: {
        nodes: { [`127.0.0.1:${deaf.port}`]: 1 },
        timeout: { connect: 1, send: 0.2, read: 30 },
      },
    });
    // Far more than loopback socket buffers hold, so the gateway's writes to the upstream block.
    const r = await postChunked(`${big.url}/deaf`, 256 * 1024 * 1024, 64 * 1024);
    assert.equal(r.status, 504);
    assert.match(r.body, /504 Gateway Time-out/);
    assert.equal(r.headers['x-apisix-upstream-status'], '504');
  } finally {
    await big.close();
  }
});

void test('a slow client is not a send timeout: pauses between client chunks longer than it pass', async () => {
  const r = await postChunked(`${gw.url}/echo`, 3 * 1024, 1024, 400);
  assert.equal(r.status, 200);
  assert.equal(json(r).size, 3 * 1024);
});
