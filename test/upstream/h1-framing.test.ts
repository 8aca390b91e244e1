import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { gateway, send } from '../proxy/helpers.js';
import { fetchVia, h1Pool, ok, type RawUpstream, sleep, upstreams } from './h1-helpers.js';

const { raw, closeAll } = upstreams();
after(closeAll);
/** An upstream that answers every request with `response` (written at once; then closes). */
async function answering(response: string, close = false): Promise<RawUpstream> {
  const up = await raw((_head, socket) => {
    if (close) socket.end(response);
    else socket.write(response);
  });
  return up;
}

/** Writes `text` a few bytes at a time with a pause in between: many small TCP segments. */
async function trickle(socket: Socket, text: string, size: number): Promise<void> {
  for (let i = 0; i < text.length; i += size) {
    socket.write(text.slice(i, i + size));
    await sleep(2);
  }
}

void describe('h1 response framing', () => {
  const wellFormed: {
    desc: string;
    method?: string;
    response: string;
    close?: boolean;
    status: number;
    body: string;
  }[] = [
    {
      desc: 'a Content-Length body',
      response: ok('hello world'),
      status: 200,
      body: 'hello world',
    },
    {
      desc: 'a chunked body with a trailer',
      response:
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n' +
        '5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n',
      status: 200,
      body: 'hello world',
    },
    {
      desc: 'a body read until the upstream closes',
      response: 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end',
      close: true,
      status: 200,
      body: 'until the end',
    },
    {
      desc: 'HEAD: Content-Length announced, no body read',
      method: 'HEAD',
      response: 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n',
      status: 200,
      body: '',
    },
    { desc: '204 has no body', response: 'HTTP/1.1 204 No Content\r\n\r\n', status: 204, body: '' },
    {
      desc: '304 has no body even with a Content-Length',
      response: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 11\r\n\r\n',
      status: 304,
      body: '',
    },
    {
      desc: '100 Continue and 103 Early Hints are skipped, the final response is passed on',
      response:
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n' +
        ok('final'),
      status: 200,
      body: 'final',
    },
  ];
  for (const c of wellFormed) {
    void test(c.desc, async () => {
      const up = await answering(c.response, c.close);
      const pool = h1Pool(up.port);
      const res = await fetchVia(pool, { method: c.method ?? 'GET' });
      assert.equal(res.error, undefined);
      assert.equal(res.status, c.status);
      assert.equal(res.body, c.body);
      await pool.close();
    });
  }

  void test('a response split in 1-byte TCP pieces is put back together', async () => {
    const response =
      'HTTP/1.1 200 OK\r\nX-A: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n';
    const up = await raw((_head, socket) => void trickle(socket, response, 1));
    const pool = h1Pool(up.port);
    const res = await fetchVia(pool);
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers, ['X-A', 'a', 'Transfer-Encoding', 'chunked']);
    assert.equal(res.body, 'abcde');
    await pool.close();
  });

  void test('an HTTP/1.0 response without keep-alive is not followed by another request', async () => {
    const up = await answering('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const pool = h1Pool(up.port);
    assert.equal((await fetchVia(pool)).body, 'ok');
    assert.equal((await fetchVia(pool)).body, 'ok');
    assert.equal(up.sockets.length, 2);
    await pool.close();
  });

  void test('a head of more than 32 header lines arrives whole', async () => {
    let extra = '';
    for (let i = 0; i < 40; i++) extra += `X-H${i}: ${i}\r\n`;
    const up = await answering(ok('many', extra));
    const pool = h1Pool(up.port);
    const res = await fetchVia(pool);
    assert.equal(res.headers.length, 2 * 41);
    assert.equal(res.headers[res.headers.length - 1], '39');
    await pool.close();
  });
});

void describe('h1 malformed responses are errors, never passed on', () => {
  const malformed: { desc: string; response: string; code: string }[] = [
    {
      desc: 'Content-Length and Transfer-Encoding together',
      response:
        'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      code: 'HPE_INVALID_TRANSFER_ENCODING',
    },
    {
      desc: 'two different Content-Length values',
      response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
      code: 'HPE_UNEXPECTED_CONTENT_LENGTH',
    },
    {
      desc: 'a chunk size that is not hex',
      response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
      code: 'HPE_INVALID_CHUNK_SIZE',
    },
    {
      desc: 'an obs-folded header line',
      response: 'HTTP/1.1 200 OK\r\nX-A: a\r\n  folded\r\nContent-Length: 0\r\n\r\n',
      code: 'HPE_INVALID_HEADER_TOKEN',
    },
    {
      desc: 'a space between header name and colon',
      response: 'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n',
      code: 'HPE_INVALID_HEADER_TOKEN',
    },
    {
      desc: 'a bare LF line ending',
      response: 'HTTP/1.1 200 OK\nContent-Length: 0\n\n',
      code: 'HPE_',
    },
    {
      desc: 'a 101 nobody asked for',
      response: 'HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n',
      code: 'UND_ERR_INFO',
    },
  ];
  for (const c of malformed) {
    void test(c.desc, async () => {
      const up = await answering(c.response);
      const pool = h1Pool(up.port);
      const res = await fetchVia(pool);
      assert.ok(res.error, 'an error');
      assert.ok(res.error.code?.startsWith(c.code), `${res.error.code} starts with ${c.code}`);
      assert.equal(res.body, '');
      await pool.close();
    });
  }

  void test('a body cut short by the upstream closing is an error after the head', async () => {
    const up = await raw((_head, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
    });
    const pool = h1Pool(up.port);
    const res = await fetchVia(pool);
    assert.equal(res.status, 200);
    assert.ok(res.error);
    assert.equal(res.body, 'only part');
    await pool.close();
  });

  void test('bytes after a complete response close the connection instead of answering the next request', async () => {
    const up = await answering(ok('first') + ok('smuggled'));
    const pool = h1Pool(up.port);
    assert.equal((await fetchVia(pool)).body, 'first');
    const second = await fetchVia(pool);
    assert.equal(second.body, 'first');
    assert.equal(up.sockets.length, 2);
    await pool.close();
  });

  void test('through the gateway: a smuggling response answers 502 and nothing of it reaches the client', async () => {
    const up = await answering(
      'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '0\r\n\r\n' +
        ok('smuggled'),
    );
    const gw = await gateway();
    gw.feed.put('routes/s', { uri: '/s', upstream: { nodes: { [`127.0.0.1:${up.port}`]: 1 } } });
    const r = await send(`${gw.url}/s`);
    assert.equal(r.status, 502);
    assert.doesNotMatch(r.body, /smuggled/);
    await gw.close();
  });
});
