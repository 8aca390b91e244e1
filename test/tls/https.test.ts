import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { echoUpstream, loopbackUpstream, type Listening } from '../proxy/helpers.js';
import { pair } from '../support/tls-fixtures.js';
import { handshake, httpsGateway, httpsGet, type HttpsGateway } from './helpers.js';

let gw: HttpsGateway;
let up: Listening;

before(async () => {
  gw = await httpsGateway();
  up = await echoUpstream();
});

after(async () => {
  await Promise.all([gw.close(), up.close()]);
});

void test('an exact SNI gets its SSL object, with the whole chain (trusting only the root)', async () => {
  gw.feed.put('ssls/exact', { ...pair('www'), sni: 'www.test.com' });
  const hs = await handshake(gw.port, 'www.test.com');
  assert.equal(hs.cn, 'www.test.com');
  assert.equal(hs.authorized, true);
});

void test('a wildcard SNI covers exactly one label', async () => {
  gw.feed.put('ssls/wildcard', { ...pair('wildcard'), snis: ['*.test.com'] });
  assert.equal((await handshake(gw.port, 'a.test.com')).cn, '*.test.com');
  assert.equal((await handshake(gw.port, 'www.test.com')).cn, 'www.test.com', 'exact first');
  await assert.rejects(handshake(gw.port, 'a.b.test.com'));
  await assert.rejects(handshake(gw.port, 'test.com'));
});

void test('a name no SSL object has fails the handshake', async () => {
  await assert.rejects(handshake(gw.port, 'nobody.example'));
});

void test('a client without SNI fails the handshake when there is no fallback_sni', async () => {
  await assert.rejects(handshake(gw.port, undefined));
});

void test('an SSL object with status 0 or type client serves no handshake', async () => {
  gw.feed.put('ssls/off', { ...pair('other'), sni: 'other.example', status: 0 });
  gw.feed.put('ssls/client', { ...pair('other'), type: 'client' });
  await assert.rejects(handshake(gw.port, 'other.example'));
  gw.feed.put('ssls/off', { ...pair('other'), sni: 'other.example', status: 1 });
  assert.equal((await handshake(gw.port, 'other.example')).cn, 'other.example');
  gw.feed.delete('ssls/off');
});

void test('an SSL object added, replaced and deleted changes the next handshake', async () => {
  await assert.rejects(handshake(gw.port, 'live.example'));
  gw.feed.put('ssls/live', { ...pair('other'), sni: 'live.example' });
  assert.equal((await handshake(gw.port, 'live.example')).cn, 'other.example');
  gw.feed.put('ssls/live', { ...pair('www'), snis: ['live.example', 'live2.example'] });
  assert.equal((await handshake(gw.port, 'live.example')).cn, 'www.test.com');
  assert.equal((await handshake(gw.port, 'live2.example')).cn, 'www.test.com');
  gw.feed.delete('ssls/live');
  await assert.rejects(handshake(gw.port, 'live.example'));
  await assert.rejects(handshake(gw.port, 'live2.example'));
});

void test('a private key encrypted at rest is decrypted with the keyring', async () => {
  const { cert, key } = pair('other');
  gw.feed.put('ssls/encrypted', { cert, key: gw.keyring.encrypt(key), sni: 'enc.example' });
  assert.equal((await handshake(gw.port, 'enc.example')).cn, 'other.example');
});

void test('an SSL object whose key does not decrypt fails only its own handshakes', async () => {
  const { cert } = pair('other');
  gw.feed.put('ssls/undecryptable', { cert, key: 'A'.repeat(64), sni: 'bad.example' });
  await assert.rejects(handshake(gw.port, 'bad.example'));
  assert.equal((await handshake(gw.port, 'www.test.com')).cn, 'www.test.com');
});

void test('cert/key and certs/keys given as $env:// references serve with what the variables hold', async (t) => {
  const ec = pair('other');
  const rsa = pair('rsa-www');
  const vars = {
    GH_TEST_ENVREF_CERT: ec.cert,
    GH_TEST_ENVREF_KEY: ec.key,
    GH_TEST_ENVREF_RSA: JSON.stringify({ cert: rsa.cert, key: rsa.key }),
  };
  Object.assign(process.env, vars);
  t.after(() => {
    for (const name of Object.keys(vars)) delete process.env[name];
  });
  gw.feed.put('ssls/envref', {
    cert: '$env://GH_TEST_ENVREF_CERT',
    key: '$ENV://GH_TEST_ENVREF_KEY',
    certs: ['$env://GH_TEST_ENVREF_RSA/cert'],
    keys: ['$env://GH_TEST_ENVREF_RSA/key'],
    sni: 'envref.example',
  });
  const first = await handshake(gw.port, 'envref.example');
  assert.deepEqual([first.cn, first.keyType], ['other.example', 'ec']);
  const rsaOnly = await handshake(gw.port, 'envref.example', { sigalgs: 'rsa_pss_rsae_sha256' });
  assert.deepEqual([rsaOnly.cn, rsaOnly.keyType], ['www.test.com', 'rsa']);
});

void test('an SSL object whose $env:// variable is unset fails only its own handshakes', async () => {
  const { cert } = pair('other');
  gw.feed.put('ssls/envref-unset', {
    cert,
    key: '$env://GH_TEST_ENVREF_SURELY_UNSET',
    sni: 'unset.example',
  });
  await assert.rejects(handshake(gw.port, 'unset.example'));
  await assert.rejects(handshake(gw.port, 'unset.example'), 'the failure is kept, not retried');
  assert.equal((await handshake(gw.port, 'www.test.com')).cn, 'www.test.com');
});

void test("an SSL object's ssl_protocols restrict the versions its SNI negotiates", async () => {
  gw.feed.put('ssls/tls12', { ...pair('other'), sni: 'v12.example', ssl_protocols: ['TLSv1.2'] });
  assert.equal((await handshake(gw.port, 'v12.example')).protocol, 'TLSv1.2');
  await assert.rejects(handshake(gw.port, 'v12.example', { minVersion: 'TLSv1.3' }));
  assert.equal((await handshake(gw.port, 'www.test.com')).protocol, 'TLSv1.3', 'others keep 1.3');
  gw.feed.put('ssls/tls13', { ...pair('other'), sni: 'v13.example', ssl_protocols: ['TLSv1.3'] });
  await assert.rejects(handshake(gw.port, 'v13.example', { maxVersion: 'TLSv1.2' }));
});

void test('an SSL object may allow TLSv1.1 (OpenSSL security level 0 for it alone)', async () => {
  gw.feed.put('ssls/tls11', { ...pair('other'), sni: 'v11.example', ssl_protocols: ['TLSv1.1'] });
  const legacy = {
    minVersion: 'TLSv1.1',
    maxVersion: 'TLSv1.1',
    ciphers: 'DEFAULT@SECLEVEL=0',
  } as const;
  assert.equal((await handshake(gw.port, 'v11.example', legacy)).protocol, 'TLSv1.1');
  await assert.rejects(handshake(gw.port, 'www.test.com', legacy), 'the global list has no 1.1');
});

void test('certs/keys add a second pair: an RSA-only client gets the RSA certificate', async () => {
  const rsa = pair('rsa-www');
  gw.feed.put('ssls/dual', {
    ...pair('www'),
    sni: 'dual.example',
    certs: [rsa.cert],
    keys: [rsa.key],
  });
  const ec = await handshake(gw.port, 'dual.example', { sigalgs: 'ecdsa_secp256r1_sha256' });
  const rsaOnly = await handshake(gw.port, 'dual.example', { sigalgs: 'rsa_pss_rsae_sha256' });
  assert.deepEqual([ec.cn, ec.keyType], ['www.test.com', 'ec']);
  assert.deepEqual([rsaOnly.cn, rsaOnly.keyType], ['www.test.com', 'rsa']);
});

void test('a route is matched over HTTPS and proxied with X-Forwarded-Proto https', async () => {
  gw.feed.put('routes/https', {
    uri: '/echo',
    host: 'www.test.com',
    upstream: loopbackUpstream(up.port),
  });
  const r = await httpsGet(gw.port, 'www.test.com', '/echo?x=1');
  assert.equal(r.status, 200);
  const seen = JSON.parse(r.body) as { url: string; headers: Record<string, string> };
  assert.equal(seen.url, '/echo?x=1');
  assert.equal(seen.headers['x-forwarded-proto'], 'https');
  assert.equal(seen.headers['x-forwarded-port'], String(gw.port));
});

void test('plain HTTP sent to the SSL port is closed', async () => {
  const closed = await new Promise<string>((resolve) => {
    let got = '';
    const socket = connect(gw.port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\n\r\n'));
    socket.on('data', (c: Buffer) => (got += c.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(got));
  });
  assert.equal(closed, '');
});

void test('an ssl value that fails to load leaves its previous version serving', async () => {
  gw.feed.put('ssls/kept', { ...pair('other'), sni: 'kept.example' });
  gw.feed.put('ssls/kept', { sni: 'kept.example', cert: 'not a certificate' });
  assert.equal((await handshake(gw.port, 'kept.example')).cn, 'other.example');
});
