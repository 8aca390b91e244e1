/**
 * A WebSocket handshake goes through the route's plugins like any request: their edits (path,
 * headers, the consumer's headers, hidden credentials) reach the upstream's handshake, and a
 * plugin that rejects stops it before the upstream.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { startTestGateway, type TestGateway } from '../support/plugin-gateway.js';

let gw: TestGateway;
let handshakes: { url: string; headers: IncomingHttpHeaders }[];
let close: () => void;

before(async () => {
  gw = await startTestGateway();
  handshakes = [];
  const server = createServer((_req, res) => res.end('plain http'));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    handshakes.push({ url: req.url ?? '', headers: req.headers });
    ws.on('message', (m: Buffer) => ws.send(`echo:${m.toString()}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => {
    wss.close();
    server.close();
  };
  const { port } = server.address() as AddressInfo;
  await gw.put('/consumers', { username: 'jack', plugins: { 'key-auth': { key: 'jack-key' } } });
  await gw.put('/routes/ws', {
    uri: '/ws',
    enable_websocket: true,
    plugins: {
      'key-auth': { hide_credentials: true },
      'proxy-rewrite': { uri: '/socket', headers: { set: { 'X-Via-Plugin': 'yes' } } },
    },
    upstream: { type: 'roundrobin', nodes: { [`127.0.0.1:${port}`]: 1 } },
  });
});

after(async () => {
  close();
  await gw.close();
});

function connect(headers: Record<string, string>): Promise<{ ws?: WebSocket; status: number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.ports.http}/ws?x=1`, { headers });
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ ws, status: 101 }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.once('error', () => undefined);
  });
}

void test('the upstream handshake carries the plugins edits: path, headers, consumer, no key', async () => {
  const { ws, status } = await connect({ apikey: 'jack-key' });
  assert.equal(status, 101);
  ws!.send('hi');
  const reply = await new Promise<string>((resolve) =>
    ws!.once('message', (m: Buffer) => resolve(m.toString())),
  );
  assert.equal(reply, 'echo:hi');
  ws!.close();
  const seen = handshakes.at(-1)!;
  assert.equal(seen.url, '/socket?x=1');
  assert.equal(seen.headers['x-via-plugin'], 'yes');
  assert.equal(seen.headers['x-consumer-username'], 'jack');
  assert.equal(seen.headers['apikey'], undefined, 'hide_credentials');
  assert.equal(seen.headers['upgrade'], 'websocket');
});

void test('a handshake the plugins reject does not reach the upstream', async () => {
  const before = handshakes.length;
  assert.equal((await connect({})).status, 401);
  assert.equal((await connect({ apikey: 'wrong' })).status, 401);
  assert.equal(handshakes.length, before);
});
