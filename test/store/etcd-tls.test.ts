import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { isGatehouseError } from '../../src/core/errors.js';
import { EtcdStore, type EtcdStoreOptions } from '../../src/store/etcd/etcd-store.js';
import type { EtcdTlsOptions } from '../../src/store/etcd/tls.js';
import { WatchRecorder } from '../contract/watch-recorder.js';
import { etcdSuite, startEtcd, type EtcdMember } from '../support/etcd.js';
import { makeTestPki, opensslBinary, type TestPki } from '../support/etcd-tls.js';

const fresh = () => `/t/${randomBytes(4).toString('hex')}/`;

/** Refused: the coded error, naming etcd and the endpoint, whatever TLS said underneath. */
function refused(endpoint: string) {
  return (err: unknown) => {
    assert.ok(isGatehouseError(err, 'GH_ERR_STORE_UNAVAILABLE'), String(err));
    assert.match(err.message, /^etcd \(/);
    assert.ok(err.message.includes(endpoint), err.message);
    return true;
  };
}

/** Puts, ranges and watches one prefix: the basics every TLS set-up that works must pass. */
async function assertWorks(store: EtcdStore): Promise<void> {
  const p = fresh();
  const rec = new WatchRecorder();
  const watch = store.watch(p, (await store.revision()) + 1, rec.onBatch);
  await store.put(`${p}a`, '1');
  await store.put(`${p}b`, '2');
  const { items } = await store.range(p);
  assert.deepEqual(
    items.map((kv) => [kv.key, kv.value]),
    [
      [`${p}a`, '1'],
      [`${p}b`, '2'],
    ],
  );
  await rec.waitForEvents(2);
  watch.cancel();
}

etcdSuite('etcd store over TLS (client certificates required)', () => {
  if (!opensslBinary) {
    // The certificates are made at test time; without openssl there is nothing to serve.
    void test('openssl is installed', { skip: !process.env['CI'] }, () =>
      assert.fail('openssl is not installed: the etcd TLS tests need it (apt-get install openssl)'),
    );
    return;
  }
  let pki: TestPki;
  let etcd: EtcdMember;
  const stores: EtcdStore[] = [];
  const open = async (tls: EtcdTlsOptions, opts: Partial<EtcdStoreOptions> = {}) => {
    const store = await EtcdStore.open({
      hosts: [etcd.endpoint],
      timeoutSeconds: 1,
      tls,
      ...opts,
    });
    stores.push(store);
    return store;
  };
  before(async () => {
    pki = await makeTestPki();
    etcd = await startEtcd({ name: 'tls', tls: pki.server });
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    pki?.remove();
  });

  void test('with the CA and a client certificate, put, range and watch work over https', async () => {
    assert.match(etcd.endpoint, /^https:/);
    await assertWorks(await open({ ca: pki.ca, ...pki.client }));
  });

  void test('without a client certificate, open() fails with GH_ERR_STORE_UNAVAILABLE naming etcd', async () => {
    await assert.rejects(open({ ca: pki.ca }), refused(etcd.endpoint));
  });

  void test('with verify: true and a CA that did not sign the server certificate, etcd is refused', async () => {
    await assert.rejects(
      open({ ca: pki.otherCa, verify: true, ...pki.client }),
      refused(etcd.endpoint),
    );
  });

  void test('without a CA, the system roots do not trust the test CA: etcd is refused', async () => {
    await assert.rejects(open({ ...pki.client }), refused(etcd.endpoint));
  });

  void test('with verify: false and no CA, the server certificate is not checked, and it works (with a warning)', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    await assertWorks(await open({ verify: false, ...pki.client }, { logger }));
    assert.ok(
      lines.some((l) => l.includes('verify is false')),
      `no warning logged: ${lines.join('')}`,
    );
  });

  void test('with verify: false, a CA that did not sign the server certificate does not matter', async () => {
    await assertWorks(await open({ ca: pki.otherCa, verify: false, ...pki.client }));
  });

  void test('with verify: false, the client certificate is still presented (etcd requires it)', async () => {
    await assert.rejects(open({ verify: false }), refused(etcd.endpoint));
  });

  void test('sni names the host the certificate is checked against, for a certificate without the IP', async () => {
    const named = await startEtcd({ name: 'tls-sni', tls: pki.sniServer });
    const tls = { ca: pki.ca, ...pki.client };
    await assert.rejects(open(tls, { hosts: [named.endpoint] }), refused(named.endpoint));
    await assertWorks(await open({ ...tls, sni: pki.sniName }, { hosts: [named.endpoint] }));
    await assert.rejects(
      open({ ...tls, sni: 'other.gatehouse.test' }, { hosts: [named.endpoint] }),
      refused(named.endpoint),
    );
  });
});
