import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import {
  deadPort,
  echoUpstream,
  gateway,
  json,
  send,
  upstream,
  type Gateway,
  type Listening,
} from './helpers.js';

let gw: Gateway;
let live: Listening;
let silent: Listening;
let dead: number;
const parked: ServerResponse[] = [];

before(async () => {
  gw = await gateway();
  live = await echoUpstream('live');
  silent = await upstream((_req, res) => parked.push(res));
  dead = await deadPort();
});

after(async () => {
  for (const res of parked) res.destroy();
  await Promise.all([gw.close(), live.close(), silent.close()]);
});

void test('a connection error retries the next node and succeeds on the live one', async () => {
  gw.feed.put('routes/r', {
    uri: '/r',
    upstream: {
      nodes: [
        { host: '127.0.0.1', port: dead, weight: 1, priority: 1 },
        { host: '127.0.0.1', port: live.port, weight: 1, priority: 0 },
      ],
    },
  });
  for (let i = 0; i < 3; i++) {
    const r = await send(`${gw.url}/r`, { method: 'POST', body: 'payload' });
    assert.equal(r.status, 200);
    assert.equal(json(r).size, 7);
  }
});

void test('retries 0 gives up after the first failed node with 502', async () => {
  gw.feed.put('routes/r0', {
    uri: '/r0',
    upstream: {
      retries: 0,
      nodes: [
        { host: '127.0.0.1', port: dead, weight: 1, priority: 1 },
        { host: '127.0.0.1', port: live.port, weight: 1, priority: 0 },
      ],
    },
  });
  assert.equal((await send(`${gw.url}/r0`)).status, 502);
});

void test('a read timeout is retried on the next node, and upstream status lists both tries', async () => {
  gw.feed.put('routes/rt', {
    uri: '/rt',
    upstream: {
      timeout: { connect: 1, send: 1, read: 0.2 },
      nodes: [
        { host: '127.0.0.1', port: silent.port, weight: 1, priority: 1 },
        { host: '127.0.0.1', port: dead, weight: 1, priority: 0 },
      ],
    },
  });
  const r = await send(`${gw.url}/rt`);
  assert.equal(r.status, 502);
  assert.equal(r.headers['x-apisix-upstream-status'], '504, 502');
});

void test('retry_timeout stops retrying once it has passed', async () => {
  gw.feed.put('routes/deadline', {
    uri: '/deadline',
    upstream: {
      retry_timeout: 0.1,
      timeout: { connect: 1, send: 1, read: 0.3 },
      nodes: [
        { host: '127.0.0.1', port: silent.port, weight: 1, priority: 1 },
        { host: '127.0.0.1', port: live.port, weight: 1, priority: 0 },
      ],
    },
  });
  const r = await send(`${gw.url}/deadline`);
  assert.equal(r.status, 504);
  assert.equal(r.headers['x-apisix-upstream-status'], '504');
});
