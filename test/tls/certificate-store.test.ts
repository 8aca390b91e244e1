import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import { isGatehouseError } from '../../src/core/errors.js';
import { CertificateStore } from '../../src/tls/certificate-store.js';
import { pair, pem } from '../support/tls-fixtures.js';

function store(fallbackSni?: string): CertificateStore {
  return new CertificateStore({
    defaults: { protocols: ['TLSv1.2', 'TLSv1.3'], ciphers: undefined, sessionTickets: false },
    fallbackSni,
    decryptKey: (stored) => stored,
    logger: silentLogger(),
  });
}

function item(id: string, value: Record<string, unknown>, modRevision = 1) {
  return { id, modRevision, value };
}

void test('only server SSL objects with status 1 or none serve', () => {
  const s = store();
  s.reset([
    item('on', { ...pair('www'), sni: 'on.example' }),
    item('one', { ...pair('www'), sni: 'one.example', status: 1, type: 'server' }),
    item('off', { ...pair('www'), sni: 'off.example', status: 0 }),
    item('client', { ...pair('www'), sni: 'client.example', type: 'client' }),
  ]);
  assert.equal(s.size, 2);
  assert.equal(s.select('on.example')?.id, 'on');
  assert.equal(s.select('one.example')?.id, 'one');
  assert.equal(s.select('off.example'), undefined);
  assert.equal(s.select('client.example'), undefined);
});

void test('an SSL object switched to status 0 stops serving its names', () => {
  const s = store();
  s.changed('1', item('1', { ...pair('www'), sni: 'a.example' }));
  s.changed('1', item('1', { ...pair('www'), sni: 'a.example', status: 0 }, 2));
  assert.equal(s.select('a.example'), undefined);
  assert.equal(s.size, 0);
});

void test('no SNI selects by fallback_sni, or nothing without one', () => {
  const s = store('a.example');
  s.changed('1', item('1', { ...pair('www'), sni: 'a.example' }));
  assert.equal(s.select(undefined)?.id, '1');
  assert.equal(store().select(undefined), undefined);
});

void test('a context is built once per SSL object version and kept', () => {
  const s = store();
  s.changed('1', item('1', { ...pair('www'), sni: 'a.example' }));
  const entry = s.select('a.example');
  assert.ok(entry);
  assert.equal(entry.context(), entry.context());
  s.changed('1', item('1', { ...pair('other'), sni: 'a.example' }, 2));
  assert.notEqual(s.select('a.example'), entry);
});

void test('a key that is not a usable PEM gives a coded error, not a throw', () => {
  const s = store();
  s.changed('1', item('1', { cert: pem('www.crt'), key: 'A'.repeat(64), sni: 'a.example' }));
  assert.ok(isGatehouseError(s.select('a.example')?.context(), 'GH_ERR_TLS_CERTIFICATE'));
  s.changed('2', item('2', { cert: pem('www.crt'), key: '$secret://vault/1/k', sni: 'b.example' }));
  assert.ok(isGatehouseError(s.select('b.example')?.context(), 'GH_ERR_TLS_CERTIFICATE'));
});

void test('a cert or key reference that does not resolve names its field, reference and reason', () => {
  const s = store();
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'unset',
      { cert: pem('www.crt'), key: '$env://GH_TEST_ENVREF_SURELY_UNSET' },
      /key \$env:\/\/GH_TEST_ENVREF_SURELY_UNSET does not resolve: environment variable GH_TEST_ENVREF_SURELY_UNSET is not set/,
    ],
    [
      'manager',
      { cert: '$secret://vault/1/cert', key: pem('www.key') },
      /cert \$secret:\/\/vault\/1\/cert does not resolve: secret manager vault, id 1: fetching from a secret manager is not supported yet/,
    ],
  ];
  for (const [id, value, message] of cases) {
    s.changed(id, item(id, { ...value, sni: `${id}.example` }));
    const err = s.select(`${id}.example`)?.context();
    assert.ok(isGatehouseError(err, 'GH_ERR_TLS_CERTIFICATE'), id);
    assert.match(err.message, message);
  }
});

void test('forHostWithClient finds a Host only while some SSL object verifies clients', () => {
  const s = store();
  s.changed('w', item('w', { ...pair('wildcard'), sni: '*.test.com' }));
  assert.equal(s.forHostWithClient('a.test.com'), undefined);
  assert.equal(s.verifiesClients, false);
  s.changed('m', item('m', { ...pair('www'), sni: 'm.test.com', client: { ca: pem('root.crt') } }));
  assert.equal(s.verifiesClients, true);
  assert.equal(s.forHostWithClient('m.test.com')?.id, 'm');
  assert.equal(s.forHostWithClient('a.test.com'), undefined, 'its SSL object has no client');
  s.changed('m', undefined);
  assert.equal(s.forHostWithClient('m.test.com'), undefined);
  assert.equal(s.verifiesClients, false);
});
