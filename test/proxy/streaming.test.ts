import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { gateway, upstream, type Gateway, type Listening } from './helpers.js';

const SIZE = 50 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'a');

let gw: Gateway;
let up: Listening;
/** Set by a test: resolved by the upstream when the first bytes of a POST body arrive. */
let onFirstUpstreamChunk: () => void = () => {};
/** Set by a test: the upstream sends its first chunk, then waits for this before the rest. */
let clientGotFirstChunk: Promise<void> = Promise.resolve();

before(async () => {
  gw = await gateway();
  up = await upstream((req, res) => {
    if (req.method === 'POST') {
      // Counts what arrives and answers with the count.
      let size = 0;
      req.on('data', (c: Buffer) => {
        if (size === 0) onFirstUpstreamChunk();
        size += c.length;
      });
      req.on('end', () => res.end(String(size)));
      return;
    }
    res.writeHead(200, { 'content-length': String(SIZE) });
    void pipeline(firstChunkThenRest(SIZE, clientGotFirstChunk), res).catch(() => undefined);
  });
  gw.feed.put('routes/big', { uri: '/big', upstream: { nodes: { [`127.0.0.1:${up.port}`]: 1 } } });
});

after(async () => {
  await Promise.all([gw.close(), up.close()]);
});

/**
 * A body of `total` bytes that sends one chunk, then holds the rest back until `release`
 * resolves. Streaming is shown by this handshake rather than by memory figures (which move with
 * GC timing): the far side must see the first bytes while the near side still holds the rest.
 * A proxy that buffered whole bodies would never deliver them, and the test would time out.
 */
function firstChunkThenRest(total: number, release: Promise<void>): Readable {
  let left = total;
  let released = false;
  const next = (stream: Readable): void => {
    if (left <= 0) return void stream.push(null);
    const n = Math.min(left, CHUNK.length);
    left -= n;
    stream.push(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
  };
  return new Readable({
    read() {
      if (left === total || released) return next(this);
      // Hold the rest back; the pending read is answered once the far side saw the first bytes.
      void release.then(() => {
        released = true;
        next(this);
      });
    },
  });
}

void test('a 50 MB request body is streamed to the upstream without buffering', async () => {
  const upstreamGotFirst = new Promise<void>((resolve) => (onFirstUpstreamChunk = resolve));
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request(`${gw.url}/big`, { method: 'POST', agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    void pipeline(firstChunkThenRest(SIZE, upstreamGotFirst), req).catch(reject);
  });
  assert.equal(answer, String(SIZE));
});

void test('a 50 MB response body is streamed to a slow client with back-pressure', async () => {
  let gotFirst!: () => void;
  clientGotFirstChunk = new Promise<void>((resolve) => (gotFirst = resolve));
  const received = await new Promise<number>((resolve, reject) => {
    request(`${gw.url}/big`, { agent: false }, (res) => {
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size === 0) gotFirst();
        size += c.length;
        // A slow reader: pause now and then so the proxy has to hold back the upstream.
        if (size % (8 * 1024 * 1024) < c.length) {
          res.pause();
          setTimeout(() => res.resume(), 50);
        }
      });
      res.on('end', () => resolve(size));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
  assert.equal(received, SIZE);
});
