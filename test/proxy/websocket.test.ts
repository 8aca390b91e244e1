import assert from 'node:assert/strict';
import { createServer } from 'node:http';
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
