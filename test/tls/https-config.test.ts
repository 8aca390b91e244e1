import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { pair } from '../support/tls-fixtures.js';
import { handshake, httpsGateway } from './helpers.js';

void test('a client without SNI gets the SSL object of fallback_sni', async () => {
  const gw = await httpsGateway({ fallback_sni: 'www.test.com' });
  try {
    gw.feed.put('ssls/1', { ...pair('www'), sni: 'www.test.com' });
    assert.equal((await handshake(gw.port, undefined)).cn, 'www.test.com');
    assert.equal((await handshake(gw.port, 'www.test.com')).cn, 'www.test.com');
    await assert.rejects(handshake(gw.port, 'other.example'), 'a sent SNI is not replaced');
  } finally {
    await gw.close();
  }
});

void test('apisix.ssl.ssl_protocols limits every SSL object without its own', async () => {
  const gw = await httpsGateway({ ssl_protocols: 'TLSv1.3' });
  try {
    gw.feed.put('ssls/1', { ...pair('www'), sni: 'www.test.com' });
    assert.equal((await handshake(gw.port, 'www.test.com')).protocol, 'TLSv1.3');
    await assert.rejects(handshake(gw.port, 'www.test.com', { maxVersion: 'TLSv1.2' }));
  } finally {
    await gw.close();
  }
});

void test('SSL objects present before the worker starts serve its first handshakes', async () => {
  const gw = await httpsGateway();
  try {
    const kv = gw.feed.kv('ssls/early', { ...pair('other'), sni: 'other.example' });
    gw.feed.state.reset([kv], kv.modRevision);
    assert.equal((await handshake(gw.port, 'other.example')).cn, 'other.example');
    gw.feed.state.reset([], kv.modRevision + 1);
    await assert.rejects(handshake(gw.port, 'other.example'));
  } finally {
    await gw.close();
  }
});

void test(
  'an HTTPS connection that sends no request is closed after client_header_timeout',
  {
    timeout: 10_000,
  },
  async () => {
    const gw = await httpsGateway(
      {},
      {
        keepalive_timeout: 60_000,
        keepalive_header_timeout: undefined,
        client_header_timeout: 300,
      },
    );
    try {
      gw.feed.put('ssls/1', { ...pair('www'), sni: 'www.test.com' });
      const started = Date.now();
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: gw.port,
        servername: 'www.test.com',
        rejectUnauthorized: false,
      });
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      assert.ok(Date.now() - started >= 250, 'not before the timeout');
    } finally {
      await gw.close();
    }
  },
);
