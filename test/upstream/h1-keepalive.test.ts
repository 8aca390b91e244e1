import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { gateway, send } from '../proxy/helpers.js';
import { waitUntil } from '../support/gatehouse-process.js';
import { fetchVia, h1Pool, ok, sleep, upstreams } from './h1-helpers.js';

const { raw, closeAll } = upstreams();
after(closeAll);

void describe('h1 keep-alive', () => {
  void test('sequential requests share one connection', async () => {
    const heads: string[] = [];
    const up = await raw((head, socket, nth) => {
      heads.push(head);
      socket.write(ok(`answer ${nth}`));
    });
    const pool = h1Pool(up.port);
    for (let i = 0; i < 20; i++) assert.equal((await fetchVia(pool)).body, `answer ${i}`);
    assert.equal(up.sockets.length, 1);
    assert.match(heads[0]!, /\r\nconnection: keep-alive\r\n/);
    await pool.close();
  });

  void test('Connection: close from the upstream: the next request opens a new connection', async () => {
    const up = await raw((_head, socket) => socket.write(ok('bye', 'Connection: close\r\n')));
    const pool = h1Pool(up.port);
    assert.equal((await fetchVia(pool)).body, 'bye');
    assert.equal((await fetchVia(pool)).body, 'bye');
    assert.equal(up.sockets.length, 2);
    const first = up.sockets[0]!;
    await waitUntil(() => first.readableEnded || first.destroyed, 'the proxy to close the first');
    await pool.close();
  });

  void test('an idle connection the upstream closed is not used again, and the client sees no error', async () => {
    const up = await raw((_head, socket) => {
      socket.write(ok('once'));
      setTimeout(() => socket.end(), 10);
    });
    const pool = h1Pool(up.port);
    assert.equal((await fetchVia(pool)).body, 'once');
    await sleep(100);
    const second = await fetchVia(pool);
    assert.equal(second.error, undefined);
    assert.equal(second.body, 'once');
    assert.equal(up.sockets.length, 2);
    await pool.close();
  });

  for (const how of ['end', 'reset'] as const) {
    void test(`a reused connection closed (${how}) as a GET arrives: sent again on a new connection`, async () => {
      const up = await raw((_head, socket, nth) => {
        if (nth === 0) socket.write(ok('first'));
        else if (how === 'end') socket.end();
        else socket.resetAndDestroy();
      });
      const pool = h1Pool(up.port);
      assert.equal((await fetchVia(pool)).body, 'first');
      const second = await fetchVia(pool);
      assert.equal(second.error, undefined);
      assert.equal(second.body, 'first');
      assert.equal(up.sockets.length, 2);
      await pool.close();
    });
  }

  void test('a PUT whose reused connection closes before its streamed body began is sent again whole', async () => {
    const bodies: string[] = [];
    const up = await raw((_head, socket, nth, body) => {
      if (nth === 0 && up.sockets.length === 1) {
        socket.write(ok('first'));
        // The upstream drops the idle connection while the next request waits for its body.
        setTimeout(() => socket.end(), 30);
        return;
      }
      bodies.push(body.toString());
      socket.write(ok('stored'));
    });
    const pool = h1Pool(up.port);
    assert.equal((await fetchVia(pool)).body, 'first');
    const body = new PassThrough();
    const put = fetchVia(pool, {
      method: 'PUT',
      headers: ['host', 'h', 'content-length', '5'],
      body,
    });
    // The drop is seen before the body begins: the PUT has gone again on a second connection.
    await waitUntil(() => up.sockets.length === 2, 'the PUT sent again on a new connection');
    body.end('hello');
    const res = await put;
    assert.equal(res.error, undefined);
    assert.equal(res.body, 'stored');
    assert.deepEqual(bodies, ['hello']);
    assert.equal(up.sockets.length, 2);
    await pool.close();
  });

  void test('a POST is not sent twice: the closed reused connection is an error', async () => {
    const up = await raw((_head, socket, nth) => {
      if (nth === 0) socket.write(ok('first'));
      else socket.end();
    });
    const pool = h1Pool(up.port);
    assert.equal((await fetchVia(pool)).body, 'first');
    const post = await fetchVia(pool, { method: 'POST', body: Buffer.from('x') });
    assert.equal(post.error?.code, 'UND_ERR_SOCKET');
    assert.equal(up.sockets.length, 1);
    await pool.close();
  });

  void test('a GET retried once only: a second stale failure is the error', async () => {
    const up = await raw((_head, socket, nth) => {
      // The first connection answers once then dies; the retry's connection dies at once.
      if (nth === 0 && up.sockets.length === 1) socket.write(ok('first'));
      else socket.end();
    });
    const pool = h1Pool(up.port);
    assert.equal((await fetchVia(pool)).body, 'first');
    const second = await fetchVia(pool);
    assert.equal(second.error?.code, 'UND_ERR_SOCKET');
    assert.equal(up.sockets.length, 2);
    await pool.close();
  });

  void test('keepalive_pool.requests: a connection carries that many requests, the last says close', async () => {
    const heads: string[] = [];
    const up = await raw((head, socket) => {
      heads.push(head);
      socket.write(ok('r'));
    });
    const pool = h1Pool(up.port, { maxRequests: 3 });
    for (let i = 0; i < 7; i++) assert.equal((await fetchVia(pool)).body, 'r');
    assert.equal(up.sockets.length, 3);
    assert.deepEqual(
      heads.map((h) => /\r\nconnection: (\S+)\r\n/.exec(h)![1]),
      ['keep-alive', 'keep-alive', 'close', 'keep-alive', 'keep-alive', 'close', 'keep-alive'],
    );
    await pool.close();
  });

  void test('keepalive_pool.idle_timeout closes a connection left idle that long', async () => {
    const up = await raw((_head, socket) => socket.write(ok('r')));
    const pool = h1Pool(up.port, { idleMs: 50 });
    await fetchVia(pool);
    const closed = new Promise<void>((resolve) => up.sockets[0]!.once('end', resolve));
    const started = Date.now();
    await closed;
    assert.ok(Date.now() - started < 2000);
    await waitUntil(() => pool.size === 0, 'the pool to forget the closed one');
    await pool.close();
  });

  void test('close() lets the request in flight finish, then refuses new ones', async () => {
    let reached!: () => void;
    const atUpstream = new Promise<void>((resolve) => (reached = resolve));
    const up = await raw((_head, socket) => {
      reached();
      setTimeout(() => socket.write(ok('late')), 100);
    });
    const pool = h1Pool(up.port);
    const inFlight = fetchVia(pool);
    await atUpstream;
    const closed = pool.close();
    assert.equal((await inFlight).body, 'late');
    await closed;
    assert.equal(pool.size, 0);
    assert.equal((await fetchVia(pool)).error?.code, 'UND_ERR_DESTROYED');
  });

  void test('through the gateway: an upstream closing idle connections costs no failed request', async () => {
    const up = await raw((_head, socket) => {
      socket.write(ok('hi'));
      setTimeout(() => socket.end(), 5);
    });
    const gw = await gateway();
    gw.feed.put('routes/k', { uri: '/k', upstream: { nodes: { [`127.0.0.1:${up.port}`]: 1 } } });
    for (let i = 0; i < 5; i++) {
      const r = await send(`${gw.url}/k`);
      assert.equal(r.status, 200);
      await sleep(30);
    }
    await gw.close();
  });
});
