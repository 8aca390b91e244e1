import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
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

void test('a Host whose SSL object verifies clients must be the SNI of the connection', async () => {
  gw.feed.put('ssls/m', { ...pair('www'), sni: 'www.test.com', client: { ca: pem('root.crt') } });
  gw.feed.put('ssls/w', { ...pair('wildcard'), sni: '*.test.com' });
  const other = await httpsGet(gw.port, 'a.test.com', '/x', { host: 'www.test.com' });
  assert.equal(other.status, 400);
  assert.equal((await httpsGet(gw.port, 'a.test.com', '/x')).status, 200);
});
