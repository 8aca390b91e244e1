import { describe, test } from 'node:test';
import { runCheck, type CheckCase } from './helpers.js';
import { TEST_CERT, TEST_KEY } from './pem-fixture.js';

const BAD_CERT = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(200)}\n-----END CERTIFICATE-----`;
const BAD_KEY = `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(100)}\n-----END PRIVATE KEY-----`;

const cases: CheckCase[] = [
  {
    desc: 'accepts a server certificate with an sni',
    value: { cert: TEST_CERT, key: TEST_KEY, sni: 'test.com' },
  },
  {
    desc: 'accepts a server certificate with snis',
    value: { cert: TEST_CERT, key: TEST_KEY, snis: ['test.com', '*.test.com'] },
  },
  {
    desc: 'accepts a client certificate without sni',
    value: { type: 'client', cert: TEST_CERT, key: TEST_KEY },
  },
  {
    desc: 'rejects a server certificate without sni',
    value: { cert: TEST_CERT, key: TEST_KEY },
    error: 'invalid configuration: then clause did not match',
  },
  {
    desc: 'rejects a client certificate without key',
    value: { type: 'client', cert: TEST_CERT },
    error: 'invalid configuration: else clause did not match',
  },
  {
    desc: 'rejects a certificate that does not parse',
    value: { cert: BAD_CERT, key: TEST_KEY, sni: 'test.com' },
    error: 'failed to parse cert: PEM_read_bio_X509_AUX() failed',
  },
  {
    desc: 'rejects a key that does not parse',
    value: { cert: TEST_CERT, key: BAD_KEY, sni: 'test.com' },
    error: 'failed to parse key: PEM_read_bio_PrivateKey() failed',
  },
  {
    desc: 'tolerates a non-PEM (encrypted at rest) key when loading',
    value: { cert: TEST_CERT, key: 'x'.repeat(64), sni: 'test.com' },
    mode: 'load',
  },
  {
    desc: 'skips PEM parsing of secret references',
    value: { cert: '$secret://vault/1/cert', key: '$secret://vault/1/key', sni: 'test.com' },
  },
  {
    desc: 'accepts $env:// references in cert, key, certs and keys, whatever their length',
    value: {
      sni: 'test.com',
      cert: '$ENV://APISIX_TEST_SSL_CERT',
      key: '$env://APISIX_TEST_SSL_KEY',
      certs: ['$env://APISIX_TEST_SSL_CERTS'],
      keys: ['$ENV://APISIX_TEST_SSL_KEYS'],
    },
  },
  {
    desc: 'rejects certs and keys of different counts',
    value: { cert: TEST_CERT, key: TEST_KEY, sni: 'test.com', certs: [TEST_CERT], keys: [] },
    error: 'mismatched number of certs and keys',
  },
  {
    desc: 'rejects an extra cert-key pair that does not parse',
    value: { cert: TEST_CERT, key: TEST_KEY, sni: 'test.com', certs: [BAD_CERT], keys: [TEST_KEY] },
    error:
      'failed to handle cert-key pair[1]: failed to parse cert: PEM_read_bio_X509_AUX() failed',
  },
  {
    desc: 'rejects a client ca that does not parse',
    value: { cert: TEST_CERT, key: TEST_KEY, sni: 'test.com', client: { ca: BAD_CERT } },
    error: 'failed to validate client_cert: failed to parse cert: PEM_read_bio_X509_AUX() failed',
  },
  {
    desc: 'rejects a name field (ssls have none)',
    value: { cert: TEST_CERT, key: TEST_KEY, sni: 'test.com', name: 'x' },
    error: 'invalid configuration: additional properties forbidden, found name',
  },
];

void describe('ssls check', () => {
  for (const c of cases) void test(c.desc, () => runCheck('ssls', c));
});
