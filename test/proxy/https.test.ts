import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import { after, before, test } from 'node:test';
import { TEST_CERT, TEST_KEY } from '../resources/pem-fixture.js';
import { gateway, json, listen, send, type Gateway, type Listening } from './helpers.js';

let gw: Gateway;
let up: Listening;

before(async () => {
  gw = await gateway();
  const server = createServer({ cert: TEST_CERT, key: TEST_KEY }, (req, res) => {
    res.setHeader('content-type', 'application/json');
    const sni = (req.socket as unknown as { servername?: string }).servername;
    res.end(JSON.stringify({ host: req.headers.host, sni: sni ?? null, url: req.url }));
  });
  up = await listen(server);
});

after(async () => {
  await Promise.all([gw.close(), up.close()]);
});

void test('an https upstream with verify off is proxied, SNI = the upstream Host', async () => {
  gw.feed.put('routes/tls', {
    uri: '/tls',
    upstream: {
      scheme: 'https',
      pass_host: 'rewrite',
      upstream_host: 'test.com',
      nodes: { [`127.0.0.1:${up.port}`]: 1 },
    },
  });
  const r = await send(`${gw.url}/tls?a=1`);
  assert.equal(r.status, 200);
  assert.deepEqual(json(r), { host: 'test.com', sni: 'test.com', url: '/tls?a=1' });
});

void test('an https upstream with a self-signed certificate fails with 502 when verify is on', async () => {
  gw.feed.put('routes/verify', {
    uri: '/verify',
    upstream: {
      scheme: 'https',
      tls: { verify: true },
      pass_host: 'rewrite',
      upstream_host: 'test.com',
      nodes: { [`127.0.0.1:${up.port}`]: 1 },
    },
  });
  assert.equal((await send(`${gw.url}/verify`)).status, 502);
});
