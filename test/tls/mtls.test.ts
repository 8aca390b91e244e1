import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect } from 'node:tls';
import { echoUpstream, loopbackUpstream, type Listening } from '../proxy/helpers.js';
import { pair, pem } from '../support/tls-fixtures.js';
import { httpsGateway, httpsGet, type HttpsGateway } from './helpers.js';

let gw: HttpsGateway;
let up: Listening;
const client = { cert: pem('client.crt'), key: pem('client.key') };
const deep = { cert: pem('client-deep.crt'), key: pem('client-deep.key') };

before(async () => {
  gw = await httpsGateway();
  up = await echoUpstream();
  gw.feed.put('routes/all', { uri: '/*', upstream: loopbackUpstream(up.port) });
});

after(async () => {
  await Promise.all([gw.close(), up.close()]);
});

void test('client.ca: a client certificate that chains to the CA is served', async () => {
  gw.feed.put('ssls/m', { ...pair('www'), sni: 'www.test.com', client: { ca: pem('root.crt') } });
  assert.equal((await httpsGet(gw.port, 'www.test.com', '/x', client)).status, 200);
});

void test('client.ca: a client without a certificate, or with another CA, is refused', async () => {
  gw.feed.put('ssls/m', { ...pair('www'), sni: 'www.test.com', client: { ca: pem('root.crt') } });
  await assert.rejects(httpsGet(gw.port, 'www.test.com', '/x'));
  gw.feed.put('ssls/m', {
    ...pair('www'),
    sni: 'www.test.com',
    client: { ca: pem('intermediate.crt') },
  });
  await assert.rejects(httpsGet(gw.port, 'www.test.com', '/x', client));
});

void test('client.ca given as an $env:// reference verifies with what the variable holds', async (t) => {
  process.env['GH_TEST_ENVREF_CA'] = pem('root.crt');
  t.after(() => delete process.env['GH_TEST_ENVREF_CA']);
  gw.feed.put('ssls/m', {
    ...pair('www'),
    sni: 'www.test.com',
    client: { ca: '$env://GH_TEST_ENVREF_CA' },
  });
  assert.equal((await httpsGet(gw.port, 'www.test.com', '/x', client)).status, 200);
  await assert.rejects(httpsGet(gw.port, 'www.test.com', '/x'));
});

void test('client.depth: an intermediate between the client and the CA needs depth 2', async () => {
  const ca = pem('root.crt');
  gw.feed.put('ssls/m', { ...pair('www'), sni: 'www.test.com', client: { ca } });
  await assert.rejects(httpsGet(gw.port, 'www.test.com', '/x', deep), 'default depth 1');
  gw.feed.put('ssls/m', { ...pair('www'), sni: 'www.test.com', client: { ca, depth: 2 } });
  assert.equal((await httpsGet(gw.port, 'www.test.com', '/x', deep)).status, 200);
});

void test('client.skip_mtls_uri_regex: without a certificate only matching paths are served', async () => {
  gw.feed.put('ssls/m', {
    ...pair('www'),
    sni: 'www.test.com',
    client: { ca: pem('root.crt'), skip_mtls_uri_regex: ['^/public/'] },
  });
  assert.equal((await httpsGet(gw.port, 'www.test.com', '/public/a?q=1')).status, 200);
  assert.equal((await httpsGet(gw.port, 'www.test.com', '/private')).status, 400);
  assert.equal((await httpsGet(gw.port, 'www.test.com', '/private', client)).status, 200);
});

/** The status line's code of a raw request `head` sent with SNI www.test.com and no certificate. */
function rawStatus(port: number, head: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername: 'www.test.com',
      ca: pem('root.crt'),
    });
    let got = '';
    socket.setEncoding('utf8');
    socket.on('secureConnect', () => socket.write(head));
    socket.on('data', (chunk: string) => {
      got += chunk;
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(got);
      if (m !== null && got.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${JSON.stringify(got)}`)));
  });
}

void test('skip_mtls_uri_regex: an upgrade or 100-continue request without a certificate is refused on other paths', async () => {
  gw.feed.put('ssls/m', {
    ...pair('www'),
    sni: 'www.test.com',
    client: { ca: pem('root.crt'), skip_mtls_uri_regex: ['^/public/'] },
  });
  const upgrade = (path: string) =>
    `GET ${path} HTTP/1.1\r\nHost: www.test.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
  const expect = (path: string) =>
    `PUT ${path} HTTP/1.1\r\nHost: www.test.com\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n`;
  assert.equal(await rawStatus(gw.port, upgrade('/private')), 400);
  assert.equal(await rawStatus(gw.port, expect('/private')), 400);
  assert.notEqual(await rawStatus(gw.port, upgrade('/public/ws')), 400);
  assert.notEqual(await rawStatus(gw.port, expect('/public/a')), 400);
});

void test('a Host whose SSL object verifies clients must be the SNI of the connection', async () => {
  gw.feed.put('ssls/m', { ...pair('www'), sni: 'www.test.com', client: { ca: pem('root.crt') } });
  gw.feed.put('ssls/w', { ...pair('wildcard'), sni: '*.test.com' });
  const other = await httpsGet(gw.port, 'a.test.com', '/x', { host: 'www.test.com' });
  assert.equal(other.status, 400);
  assert.equal((await httpsGet(gw.port, 'a.test.com', '/x')).status, 200);
});
