import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { connect } from 'node:tls';
import { readClientHello } from '../../src/tls/client-hello.js';

/** The first bytes node's TLS client sends (its ClientHello), caught by a plain TCP server. */
async function clientHello(servername: string | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const server = createServer((socket) => {
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const data = Buffer.concat(chunks);
      if (data.length >= 5 && data.length >= 5 + data.readUInt16BE(3)) socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    const client = connect({ host: '127.0.0.1', port, ...(servername ? { servername } : {}) });
    client.on('error', () => undefined);
    client.on('close', () => resolve());
  });
  server.close();
  return Buffer.concat(chunks);
}

void test('reads the server name of a ClientHello', async () => {
  const hello = await clientHello('www.test.com');
  assert.deepEqual(readClientHello(hello), { state: 'complete', serverName: 'www.test.com' });
});

void test('a ClientHello without SNI is complete with no server name', async () => {
  const hello = await clientHello(undefined);
  assert.deepEqual(readClientHello(hello), { state: 'complete', serverName: undefined });
});

void test('a ClientHello cut short is partial, at any length', async () => {
  const hello = await clientHello('www.test.com');
  for (let n = 0; n < hello.length; n++) {
    assert.deepEqual(readClientHello(hello.subarray(0, n)), { state: 'partial' }, `length ${n}`);
  }
});

void test('a ClientHello split over several TLS records is reassembled', async () => {
  const hello = await clientHello('split.test.com');
  const body = hello.subarray(5);
  const records: Buffer[] = [];
  for (let at = 0; at < body.length; at += 7) {
    const part = body.subarray(at, at + 7);
    const header = Buffer.from([0x16, 0x03, 0x01, 0, 0]);
    header.writeUInt16BE(part.length, 3);
    records.push(header, part);
  }
  const split = Buffer.concat(records);
  assert.deepEqual(readClientHello(split), { state: 'complete', serverName: 'split.test.com' });
  assert.deepEqual(readClientHello(split.subarray(0, split.length - 1)), { state: 'partial' });
});

void test('bytes that are not a TLS ClientHello are invalid', () => {
  assert.deepEqual(readClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')), { state: 'invalid' });
  // A handshake record holding a ServerHello (type 2), not a ClientHello.
  const serverHello = Buffer.from([0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00]);
  assert.deepEqual(readClientHello(serverHello), { state: 'invalid' });
  // A ClientHello whose session id length runs past its end.
  const bad = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x27, 0x01, 0x00, 0x00, 0x23, 3, 3]);
  const padded = Buffer.concat([bad, Buffer.alloc(32, 1), Buffer.from([0xff])]);
  assert.deepEqual(readClientHello(padded), { state: 'invalid' });
});
