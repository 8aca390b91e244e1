import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { gateway, upstream, type Gateway, type Listening } from '../proxy/helpers.js';
import { sleep } from './h1-helpers.js';

const TOTAL = 256 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'b');

let gw: Gateway;
let up: Listening;
/** Bytes the upstream has handed to its socket so far (it writes only when the socket drains). */
let written = 0;

before(async () => {
  gw = await gateway();
  up = await upstream((_req, res) => {
    written = 0;
    res.writeHead(200, { 'content-length': String(TOTAL) });
    const more = (): void => {
      while (written < TOTAL) {
        written += CHUNK.length;
        if (!res.write(CHUNK)) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  });
  gw.feed.put('routes/big', { uri: '/big', upstream: { nodes: { [`127.0.0.1:${up.port}`]: 1 } } });
});

after(async () => {
  await Promise.all([gw.close(), up.close()]);
});

void test('a client that stops reading stops the upstream: the proxy does not buffer the body', async () => {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    request(`${gw.url}/big`, { agent: false }, resolve).on('error', reject).end();
  });
  res.pause();
  // Let every buffer on the way fill up (the kernel's on both hops, node's on both sides).
  let before = -1;
  for (let i = 0; i < 50 && written !== before; i++) {
    before = written;
    await sleep(100);
  }
  // Socket buffers hold a few MB per hop on loopback; a buffering proxy would take it all.
  assert.ok(written < 64 * 1024 * 1024, `upstream wrote ${written} bytes into a paused client`);
  assert.equal(written, before, 'the upstream is held back');
  let received = 0;
  res.on('data', (c: Buffer) => (received += c.length));
  res.resume();
  await new Promise((resolve) => res.on('end', resolve));
  assert.equal(received, TOTAL);
});
