import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { fetchVia, h1Pool, ok, type RawUpstream, upstreams } from './h1-helpers.js';

const { raw, track, closeAll } = upstreams();
after(closeAll);
/** An upstream that records each request (head and body) and answers 200 'ok'. */
async function recording(): Promise<{ up: RawUpstream; seen: { head: string; body: string }[] }> {
  const seen: { head: string; body: string }[] = [];
  const up = await raw((head, socket, _nth, body) => {
    seen.push({ head, body: body.toString() });
    socket.write(ok('ok'));
  });
  return { up, seen };
}

/** An upstream that takes one chunked request off the wire, whole, then answers 200 'ok'. */
async function chunkedUpstream(): Promise<{ up: RawUpstream; got: Promise<string> }> {
  let resolve!: (wire: string) => void;
  const got = new Promise<string>((r) => (resolve = r));
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    let wire = '';
    socket.on('data', (d: Buffer) => {
      wire += d.toString('latin1');
      if (wire.endsWith('\r\n0\r\n\r\n')) {
        resolve(wire);
        socket.write(ok('ok'));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const up: RawUpstream = {
    port: (server.address() as AddressInfo).port,
    sockets,
    reads: [],
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  return { up: track(up), got };
}

void describe('h1 request serialisation', () => {
  void test('a request without a body goes out as one write: request line, headers, blank line', async () => {
    const up = await raw((_head, socket) => socket.write(ok('ok')));
    const pool = h1Pool(up.port);
    await fetchVia(pool, { path: '/a?b=1', headers: ['host', 'example.com', 'X-Y', 'z'] });
    assert.deepEqual(up.reads, [
      'GET /a?b=1 HTTP/1.1\r\nhost: example.com\r\nX-Y: z\r\nconnection: keep-alive\r\n\r\n',
    ]);
    await pool.close();
  });

  void test('a Buffer body is sent with its Content-Length', async () => {
    const { up, seen } = await recording();
    const pool = h1Pool(up.port);
    await fetchVia(pool, { method: 'POST', body: Buffer.from('hello') });
    assert.match(seen[0]!.head, /\r\ncontent-length: 5\r\n/);
    assert.equal(seen[0]!.body, 'hello');
    await pool.close();
  });

  void test('a POST without a body says content-length: 0', async () => {
    const { up, seen } = await recording();
    const pool = h1Pool(up.port);
    await fetchVia(pool, { method: 'POST' });
    assert.match(seen[0]!.head, /\r\ncontent-length: 0\r\n/);
    await pool.close();
  });

  void test('a streamed body with a Content-Length is sent as declared', async () => {
    const { up, seen } = await recording();
    const pool = h1Pool(up.port);
    const body = new PassThrough();
    const res = fetchVia(pool, {
      method: 'PUT',
      headers: ['host', 'h', 'Content-Length', '10'],
      body,
    });
    body.write('hello');
    setTimeout(() => body.end('world'), 10);
    assert.equal((await res).body, 'ok');
    assert.match(seen[0]!.head, /\r\ncontent-length: 10\r\n/);
    assert.doesNotMatch(seen[0]!.head, /transfer-encoding/i);
    assert.equal(seen[0]!.body, 'helloworld');
    await pool.close();
  });

  void test('a streamed body without a Content-Length is sent chunked', async () => {
    const { up, got } = await chunkedUpstream();
    const pool = h1Pool(up.port);
    const body = new PassThrough();
    const res = fetchVia(pool, { method: 'POST', body });
    body.write('abc');
    setTimeout(() => body.end('0123456789abcdef'), 10);
    const wire = await got;
    assert.match(
      wire,
      /\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n$/,
    );
    assert.equal((await res).body, 'ok');
    await pool.close();
  });

  void test('an empty streamed body without a Content-Length is one terminating chunk', async () => {
    const { up, got } = await chunkedUpstream();
    const pool = h1Pool(up.port);
    const body = new PassThrough();
    const res = fetchVia(pool, { method: 'POST', body });
    body.end();
    assert.match(await got, /\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n$/);
    assert.equal((await res).body, 'ok');
    await pool.close();
  });

  void test('a streamed body longer than its Content-Length is an error', async () => {
    const { up } = await recording();
    const pool = h1Pool(up.port);
    const body = new PassThrough();
    const res = fetchVia(pool, {
      method: 'POST',
      headers: ['host', 'h', 'content-length', '3'],
      body,
    });
    body.end('too long');
    assert.equal((await res).error?.code, 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH');
    await pool.close();
  });

  void test('connection: close in the request closes the connection after the response', async () => {
    const { up, seen } = await recording();
    const pool = h1Pool(up.port);
    await fetchVia(pool, { headers: ['host', 'h', 'Connection', 'close'] });
    await fetchVia(pool);
    assert.match(seen[0]!.head, /\r\nconnection: close\r\n/);
    assert.doesNotMatch(seen[0]!.head, /\r\nConnection: close\r\n/);
    assert.equal(up.sockets.length, 2);
    await pool.close();
  });

  const refused: { desc: string; req: Parameters<typeof fetchVia>[1] }[] = [
    {
      desc: 'a header value with CR LF',
      req: { headers: ['host', 'h', 'x', 'a\r\nX-Injected: 1'] },
    },
    { desc: 'a header name with a space', req: { headers: ['host', 'h', 'x y', '1'] } },
    { desc: 'a second Host', req: { headers: ['host', 'h', 'Host', 'other'] } },
    {
      desc: 'a Transfer-Encoding header',
      req: { headers: ['host', 'h', 'transfer-encoding', 'chunked'] },
    },
    { desc: 'a path with a space', req: { path: '/a b' } },
    { desc: 'a method that is not a token', req: { method: 'GE T' } },
  ];
  for (const c of refused) {
    void test(`${c.desc} is refused before anything is sent; the connection stays usable`, async () => {
      const { up, seen } = await recording();
      const pool = h1Pool(up.port);
      await fetchVia(pool);
      const res = await fetchVia(pool, c.req);
      assert.equal(res.error?.code, 'UND_ERR_INVALID_ARG');
      assert.equal((await fetchVia(pool)).body, 'ok');
      assert.equal(seen.length, 2);
      assert.equal(up.sockets.length, 1);
      await pool.close();
    });
  }
});
