import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { deadPort, gateway, send } from '../proxy/helpers.js';
import { fetchVia, h1Pool, sleep, upstreams } from './h1-helpers.js';

const { raw, closeAll } = upstreams();
after(closeAll);

void describe('h1 connect, head and body deadlines', () => {
  void test('a refused connection is ECONNREFUSED, and 502 through the gateway', async () => {
    const port = await deadPort();
    const pool = h1Pool(port);
    assert.equal((await fetchVia(pool)).error?.code, 'ECONNREFUSED');
    await pool.close();
    const gw = await gateway();
    gw.feed.put('routes/d', { uri: '/d', upstream: { nodes: { [`127.0.0.1:${port}`]: 1 } } });
    assert.equal((await send(`${gw.url}/d`)).status, 502);
    await gw.close();
  });

  void test('a TLS handshake that never completes ends at the connect timeout', async () => {
    // Accepts TCP, never speaks TLS.
    const up = await raw(() => undefined);
    const pool = h1Pool(up.port, { tls: { rejectUnauthorized: false }, connectMs: 100 });
    const started = Date.now();
    assert.equal((await fetchVia(pool)).error?.code, 'UND_ERR_CONNECT_TIMEOUT');
    assert.ok(Date.now() - started < 2000);
    await pool.close();
  });

  void test('no response head within headersTimeout is UND_ERR_HEADERS_TIMEOUT, 504 through the gateway', async () => {
    const up = await raw(() => undefined);
    const pool = h1Pool(up.port);
    const started = Date.now();
    const res = await fetchVia(pool, { headersTimeout: 100 });
    assert.equal(res.error?.code, 'UND_ERR_HEADERS_TIMEOUT');
    assert.ok(Date.now() - started >= 95);
    await pool.close();
    const gw = await gateway();
    gw.feed.put('routes/h', {
      uri: '/h',
      upstream: {
        nodes: { [`127.0.0.1:${up.port}`]: 1 },
        timeout: { connect: 1, send: 1, read: 0.1 },
      },
    });
    const r = await send(`${gw.url}/h`);
    assert.equal(r.status, 504);
    assert.equal(r.headers['x-apisix-upstream-status'], '504');
    await gw.close();
  });

  void test('a body that stops flowing for bodyTimeout is UND_ERR_BODY_TIMEOUT after the head', async () => {
    const up = await raw((_head, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome');
    });
    const pool = h1Pool(up.port);
    const res = await fetchVia(pool, { bodyTimeout: 100 });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'some');
    assert.equal(res.error?.code, 'UND_ERR_BODY_TIMEOUT');
    await pool.close();
  });

  void test('a byte that came in while the loop was stalled past bodyTimeout is a read, not a timeout', async () => {
    // The stall stands for a descheduled process or a long GC. It begins at the end of a turn,
    // just after the byte was sent: the byte waits in the socket's buffer, and the next turn
    // begins with the timers, the body deadline among them, long due.
    const up = await raw((_head, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\na');
      setTimeout(() => {
        setImmediate(() => {
          socket.write('b');
          const until = Date.now() + 250;
          while (Date.now() < until); // past the 100 ms body timeout
        });
      }, 20);
    });
    const pool = h1Pool(up.port);
    const res = await fetchVia(pool, { bodyTimeout: 100 });
    assert.equal(res.error, undefined);
    assert.equal(res.body, 'ab');
    await pool.close();
  });

  void test('the body timeout is the time between two reads, not the whole body', async () => {
    const up = await raw((_head, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n');
      let sent = 0;
      const tick = setInterval(() => {
        socket.write('x');
        if (++sent === 8) clearInterval(tick);
      }, 40);
    });
    const pool = h1Pool(up.port);
    const res = await fetchVia(pool, { bodyTimeout: 150 });
    assert.equal(res.error, undefined);
    assert.equal(res.body, 'xxxxxxxx');
    await pool.close();
  });

  void test('a client holding the body back (onData false) is not an upstream body timeout', async () => {
    const up = await raw((_head, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nfirst');
      setTimeout(() => socket.write('!'), 20);
    });
    const pool = h1Pool(up.port);
    let resume: (() => void) | undefined;
    const res = new Promise<{ error?: Error; body: string }>((resolve) => {
      let body = '';
      pool.dispatch(
        { path: '/', method: 'GET', headers: ['host', 'h'], bodyTimeout: 100 },
        {
          onHeaders: (_s, _h, r) => {
            resume = r;
            return true;
          },
          onData: (c) => {
            body += c.toString();
            return false;
          },
          onComplete: () => resolve({ body }),
          onError: (error) => resolve({ error, body }),
        },
      );
    });
    await sleep(300);
    resume!();
    await sleep(50);
    resume!();
    const out = await res;
    assert.equal(out.error, undefined);
    assert.equal(out.body, 'first!');
    await pool.close();
  });
});
