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

before(async () => {
  gw = await gateway();
  up = await upstream((req, res) => {
    if (req.method === 'POST') {
      // Counts what arrives and answers with the count.
      let size = 0;
      req.on('data', (c: Buffer) => (size += c.length));
      req.on('end', () => res.end(String(size)));
      return;
    }
    res.writeHead(200, { 'content-length': String(SIZE) });
    void pipeline(chunks(SIZE), res).catch(() => undefined);
  });
  gw.feed.put('routes/big', { uri: '/big', upstream: { nodes: { [`127.0.0.1:${up.port}`]: 1 } } });
});

after(async () => {
  await Promise.all([gw.close(), up.close()]);
});

function chunks(total: number): Readable {
  let left = total;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(left, CHUNK.length);
      left -= n;
      this.push(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
    },
  });
}

/** Resident memory growth stays far below the body size: nothing buffers it whole. */
function rssMb(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}

void test('a 50 MB request body is streamed to the upstream without buffering', async () => {
  const before = rssMb();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, rssMb())), 20);
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request(`${gw.url}/big`, { method: 'POST', agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    void pipeline(chunks(SIZE), req).catch(reject);
  });
  clearInterval(timer);
  assert.equal(answer, String(SIZE));
  assert.ok(peak - before < 40, `rss grew ${Math.round(peak - before)} MB`);
});

void test('a 50 MB response body is streamed to a slow client with back-pressure', async () => {
  const before = rssMb();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, rssMb())), 20);
  const received = await new Promise<number>((resolve, reject) => {
    request(`${gw.url}/big`, { agent: false }, (res) => {
      let size = 0;
      res.on('data', (c: Buffer) => {
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
  clearInterval(timer);
  assert.equal(received, SIZE);
  assert.ok(peak - before < 40, `rss grew ${Math.round(peak - before)} MB`);
});
