import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '../../src/core/data-encryption.js';
import { TEST_CERT, TEST_KEY } from './fixtures.js';
import { startAdmin, type Response, type TestAdmin } from './helpers.js';

const DEFAULT_KEYRING = ['qeddd145sfvddff3', 'edd1c9f0985e76a2'];

void describe('keyring', () => {
  void it('encrypts byte-for-byte like APISIX (t/admin/credentials.t)', () => {
    assert.equal(new Keyring(DEFAULT_KEYRING).encrypt('the-password'), 'WvF5kpaLvIzjuk4GNIMTJg==');
  });

  void it('decrypts with any entry, so a rotated key still reads old values', () => {
    const old = new Keyring(['edd1c9f0985e76a2']).encrypt('v');
    assert.equal(new Keyring(DEFAULT_KEYRING).decrypt(old), 'v');
  });

  void it('supports 32-byte AES-256 entries and ignores other lengths', () => {
    const ring = new Keyring(['short', 'a'.repeat(32)]);
    assert.equal(ring.decrypt(ring.encrypt('x')), 'x');
    assert.equal(new Keyring(['short']).empty, true);
  });

  void it('passes values through with an empty keyring, and refuses non-base64', () => {
    assert.equal(new Keyring([]).encrypt('plain'), 'plain');
    assert.equal(new Keyring(DEFAULT_KEYRING).decrypt('not base64!'), undefined);
  });
});

void describe('encryption at rest through the Admin API', () => {
  let admin: TestAdmin;
  const ring = new Keyring(DEFAULT_KEYRING);
  before(async () => {
    admin = await startAdmin();
  });
  after(() => admin.close());

  async function stored(key: string): Promise<Response['body']> {
    return JSON.parse((await admin.store.get(key))?.value ?? '{}');
  }

  void it('encrypts plugin encrypt_fields on write, echoes the stored form, decrypts on GET', async () => {
    await admin.request('PUT', '/apisix/admin/consumers', { username: 'enc' });
    const put = await admin.request('PUT', '/apisix/admin/consumers/enc/credentials/c1', {
      plugins: { 'key-auth': { key: 'secret-key' } },
    });
    const cipher = ring.encrypt('secret-key');
    assert.equal(put.body.value.plugins['key-auth'].key, cipher);
    assert.equal(
      (await stored('/apisix/consumers/enc/credentials/c1')).plugins['key-auth'].key,
      cipher,
    );
    const get = await admin.request('GET', '/apisix/admin/consumers/enc/credentials/c1');
    assert.equal(get.body.value.plugins['key-auth'].key, 'secret-key');
    const list = await admin.request('GET', '/apisix/admin/consumers/enc/credentials');
    assert.equal(list.body.list[0].value.plugins['key-auth'].key, 'secret-key');
  });

  void it('encrypts plugin metadata fields named by the metadata schema', async () => {
    await admin.request('PUT', '/apisix/admin/plugin_metadata/example-plugin', {
      ikey: 1,
      skey: 's',
      secret: 'm',
    });
    assert.equal(
      (await stored('/apisix/plugin_metadata/example-plugin')).secret,
      ring.encrypt('m'),
    );
    const get = await admin.request('GET', '/apisix/admin/plugin_metadata/example-plugin');
    assert.equal(get.body.value.secret, 'm');
  });

  void it('encrypts SSL private keys and never returns them on GET', async () => {
    const put = await admin.request('PUT', '/apisix/admin/ssls/1', {
      cert: TEST_CERT,
      key: TEST_KEY,
      snis: ['test.com'],
    });
    assert.equal(put.status, 201, put.text);
    const key = (await stored('/apisix/ssls/1')).key as string;
    assert.equal(key, ring.encrypt(TEST_KEY));
    const get = await admin.request('GET', '/apisix/admin/ssls/1');
    assert.equal(get.body.value.key, undefined);
    assert.equal(get.body.value.cert, TEST_CERT);
    const list = await admin.request('GET', '/apisix/admin/ssls');
    assert.equal(list.body.list[0].value.key, undefined);
  });

  void it('keeps an SSL key encrypted exactly once across a PATCH', async () => {
    await admin.request('PUT', '/apisix/admin/ssls/2', {
      cert: TEST_CERT,
      key: TEST_KEY,
      snis: ['test.com'],
    });
    const patch = await admin.request('PATCH', '/apisix/admin/ssls/2', { desc: 'x' });
    assert.equal(patch.status, 200, patch.text);
    assert.equal((await stored('/apisix/ssls/2')).key, ring.encrypt(TEST_KEY));
  });

  void it('encrypts an upstream tls.client_key', async () => {
    const res = await admin.request('PUT', '/apisix/admin/upstreams/tls', {
      nodes: { '127.0.0.1:443': 1 },
      scheme: 'https',
      tls: { client_cert: TEST_CERT, client_key: TEST_KEY },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal((await stored('/apisix/upstreams/tls')).tls.client_key, ring.encrypt(TEST_KEY));
  });

  void it('stores plugin fields in plaintext when enable_encrypt_fields is off', async () => {
    const plain = await startAdmin({
      dataEncryption: { enable_encrypt_fields: false, keyring: DEFAULT_KEYRING },
    });
    try {
      await plain.request('PUT', '/apisix/admin/consumers', {
        username: 'p',
        plugins: { 'key-auth': { key: 'open' } },
      });
      const value = JSON.parse((await plain.store.get('/apisix/consumers/p'))?.value ?? '{}');
      assert.equal(value.plugins['key-auth'].key, 'open');
    } finally {
      await plain.close();
    }
  });
});
