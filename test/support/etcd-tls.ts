/**
 * Throwaway X.509 material for TLS tests against etcd, made at test time with the `openssl` CLI
 * (node:crypto makes keys but not certificates). Everything is ECDSA P-256 and valid for a day.
 *
 * @example
 *   const pki = await makeTestPki();
 *   const etcd = await startEtcd({ tls: pki.server });   // https, client certificates required
 *   await EtcdStore.open({ hosts: [etcd.endpoint], timeoutSeconds: 2, tls: pki.clientTls() });
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findBinary } from './required-tool.js';

const run = promisify(execFile);

export const opensslBinary: string | undefined = findBinary('openssl');

/** What etcd serves: `--cert-file`, `--key-file`, and the CA it trusts for client certificates. */
export interface EtcdServerTls {
  cert: string;
  key: string;
  ca: string;
}

export interface TestPki {
  dir: string;
  /** The CA that signed every certificate below (except `otherCa`). */
  ca: string;
  /** A CA that signed nothing here: trusting it alone must refuse the server. */
  otherCa: string;
  /** Server certificate for IP 127.0.0.1 and DNS localhost. */
  server: EtcdServerTls;
  /** Server certificate for DNS `sniName` only, so a client dialling 127.0.0.1 needs SNI. */
  sniServer: EtcdServerTls;
  sniName: string;
  client: { cert: string; key: string };
  remove(): void;
}

/** A CA, two server certificates, a client certificate and an unrelated CA, in a temp dir. */
export async function makeTestPki(): Promise<TestPki> {
  if (!opensslBinary) throw new Error('openssl is not installed (apt-get install openssl)');
  const dir = mkdtempSync(join(tmpdir(), 'gh-pki-'));
  const sniName = 'etcd.gatehouse.test';
  const file = (name: string) => join(dir, name);
  await makeCa(dir, 'ca');
  await makeCa(dir, 'other-ca');
  await Promise.all([
    makeLeaf(dir, 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost'),
    makeLeaf(dir, 'sni-server', `subjectAltName=DNS:${sniName}`),
    makeLeaf(dir, 'client', ''),
  ]);
  return {
    dir,
    ca: file('ca.crt'),
    otherCa: file('other-ca.crt'),
    server: { cert: file('server.crt'), key: file('server.key'), ca: file('ca.crt') },
    sniServer: { cert: file('sni-server.crt'), key: file('sni-server.key'), ca: file('ca.crt') },
    sniName,
    client: { cert: file('client.crt'), key: file('client.key') },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function openssl(args: string[]): Promise<unknown> {
  // OPENSSL_CONF from the environment could add extensions; every call names its config.
  return run(opensslBinary ?? 'openssl', args, { env: { PATH: process.env['PATH'] ?? '' } });
}

async function newKey(path: string): Promise<void> {
  await openssl([
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    path,
  ]);
}

async function makeCa(dir: string, name: string): Promise<void> {
  const conf = join(dir, `${name}.cnf`);
  writeFileSync(
    conf,
    [
      '[req]',
      'distinguished_name = dn',
      'x509_extensions = v3_ca',
      '[dn]',
      '[v3_ca]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n'),
  );
  await newKey(join(dir, `${name}.key`));
  await openssl([
    ...['req', '-x509', '-new', '-config', conf, '-key', join(dir, `${name}.key`)],
    ...['-subj', `/CN=gatehouse test ${name}`, '-days', '1', '-out', join(dir, `${name}.crt`)],
  ]);
}

/**
 * A leaf signed by `ca`, for both server and client use: etcd 3.4's own gateway dials etcd
 * with the server certificate as a client certificate when client certificates are required.
 */
async function makeLeaf(dir: string, name: string, san: string): Promise<void> {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    [
      'basicConstraints = CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage = serverAuth,clientAuth',
      'authorityKeyIdentifier = keyid',
      san,
      '',
    ].join('\n'),
  );
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  await newKey(key);
  await openssl(
    ['req', '-new', '-config', join(dir, 'ca.cnf'), '-key', key].concat([
      '-subj',
      `/CN=gatehouse test ${name}`,
      '-out',
      csr,
    ]),
  );
  await openssl([
    ...['x509', '-req', '-in', csr, '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key')],
    ...['-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '1', '-extfile', ext],
    ...['-out', join(dir, `${name}.crt`)],
  ]);
}
