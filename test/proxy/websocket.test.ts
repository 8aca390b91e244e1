import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, createServer as createTcpServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { gateway, listen, type Gateway, type Listening } from './helpers.js';

let gw: Gateway;
let up: Listening;

before(async () => {
  gw = await gateway();
  const server = createServer((_req, res) => res.end('plain http'));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (m: Buffer) => ws.send(`echo:${m.toString()}`)));
  up = await listen(server);
  const nodes = { [`127.0.0.1:${up.port}`]: 1 };
  gw.feed.put('routes/ws', { uri: '/ws', enable_websocket: true, upstream: { nodes } });
  gw.feed.put('routes/nows', { uri: '/nows', upstream: { nodes } });
});

after(async () => {
  await Promise.all([gw.close(), up.close()]);
});

void test('a route with enable_websocket proxies the upgrade and frames both ways', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/ws`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send('hi');
  const reply = await new Promise<string>((resolve) =>
    ws.once('message', (m: Buffer) => resolve(m.toString())),
  );
  assert.equal(reply, 'echo:hi');
  ws.close();
});

void test('without enable_websocket the upgrade is not passed on and the handshake fails', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/nows`);
  const status = await new Promise<number>((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => resolve(101));
    ws.once('error', () => undefined);
  });
  assert.equal(status, 200);
});

void test('an upgrade request for no route gets the 404 JSON', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/missing`);
  const status = await new Promise<number>((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => undefined);
  });
  assert.equal(status, 404);
});

void test('a client that resets the connection mid-handshake does not take the gateway down', async () => {
  // Accepts the handshake and never answers: the client's socket waits, handed over by node:http.
  const held: Socket[] = [];
  const silent = createTcpServer((s) => held.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  gw.feed.put('routes/silent', {
    uri: '/silent',
    enable_websocket: true,
    upstream: { nodes: { [`127.0.0.1:${port}`]: 1 } },
  });
  await new Promise<void>((resolve) => {
    const client = connect(gw.port, '127.0.0.1', () => {
      client.write(
        'GET /silent HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      const waitForUpstream = setInterval(() => {
        if (held.length === 0) return;
        clearInterval(waitForUpstream);
        client.resetAndDestroy();
        resolve();
      }, 5);
    });
    client.on('error', () => undefined);
  });
  // An uncaught ECONNRESET would have failed this test; the gateway still proxies WebSockets.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/ws`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.close();
  for (const s of held) s.destroy();
  silent.close();
});
