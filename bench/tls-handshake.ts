/**
 * CPU per TLS handshake of Gatehouse's termination (the ClientHello read before OpenSSL, an SNI
 * table holding SSLS objects, a context per SSL object) against node's own tls.Server whose
 * SNICallback hands out the same context: what reading the ClientHello ourselves costs. Full
 * TLS 1.3 handshakes (no resumption), ECDSA P-256, CONCURRENCY in flight from a client process,
 * HANDSHAKES per round, ROUNDS rounds alternating the two servers. Reports the server process's
 * CPU µs per handshake (user + system) and handshakes/s.
 *
 *   node dist/bench/tls-handshake.js            # HANDSHAKES=2000 CONCURRENCY=8 ROUNDS=3 SSLS=1000
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Server } from 'node:net';
import { connect, createServer as createTlsServer, createSecureContext } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../src/core/logger.js';
import { CertificateStore } from '../src/tls/certificate-store.js';
import { TlsTerminator } from '../src/tls/terminator.js';
import { median } from './stats.js';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const HANDSHAKES = env('HANDSHAKES', 2000);
const CONCURRENCY = env('CONCURRENCY', 8);
const ROUNDS = env('ROUNDS', 3);
const SSLS = env('SSLS', 1000);
const SNI = 'www.test.com';
const fixture = (f: string): string =>
  readFileSync(new URL(`../../test/fixtures/tls/${f}`, import.meta.url), 'utf8');

/** Client mode (the forked process): HANDSHAKES handshakes to the port, CONCURRENCY at a time. */
async function client(port: number): Promise<void> {
  let started = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, servername: SNI, rejectUnauthorized: false });
      s.once('secureConnect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', reject);
    });
  const lane = async (): Promise<void> => {
    while (started < HANDSHAKES) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** One round against `port`: the server's CPU µs per handshake and handshakes/s. */
async function round(port: number): Promise<{ cpuUs: number; rate: number }> {
  const cpu = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const child = fork(fileURLToPath(import.meta.url), ['client', String(port)]);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`client exited with ${code}`);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / HANDSHAKES, rate: HANDSHAKES / seconds };
}

async function main(): Promise<void> {
  const www = { cert: fixture('www.crt'), key: fixture('www.key') };
  const store = new CertificateStore({
    defaults: { protocols: ['TLSv1.2', 'TLSv1.3'], ciphers: undefined, sessionTickets: false },
    fallbackSni: undefined,
    decryptKey: (k) => k,
    logger: silentLogger(),
  });
  const items = Array.from({ length: SSLS - 1 }, (_, i) => ({
    id: `n${i}`,
    modRevision: 1,
    value: { ...www, snis: [`host${i}.example.com`, `*.zone${i}.example.org`] },
  }));
  store.reset([...items, { id: 'www', modRevision: 1, value: { ...www, sni: SNI } }]);
  const terminator = new TlsTerminator({
    select: (name) => store.select(name),
    handshakeTimeoutMs: 10_000,
    alpnProtocols: ['http/1.1'],
    logger: silentLogger(),
  });
  const ours = createNetServer((raw) => terminator.accept(raw, (s) => s.destroy()));
  const context = createSecureContext({ ...www, minVersion: 'TLSv1.2' });
  const node = createTlsServer({ SNICallback: (_n, cb) => cb(null, context) }, (s) => s.destroy());
  node.on('tlsClientError', () => undefined);
  const targets = { 'tls.Server + SNICallback': await listen(node), Gatehouse: await listen(ours) };
  const results = new Map<string, { cpuUs: number[]; rate: number[] }>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, port] of Object.entries(targets)) {
      const { cpuUs, rate } = await round(port);
      const entry = results.get(name) ?? { cpuUs: [], rate: [] };
      entry.cpuUs.push(cpuUs);
      entry.rate.push(rate);
      results.set(name, entry);
    }
  }
  console.log(
    `${HANDSHAKES} handshakes × ${ROUNDS} rounds, concurrency ${CONCURRENCY}, ${SSLS} ssls`,
  );
  const base = median(results.get('tls.Server + SNICallback')?.cpuUs ?? []);
  for (const [name, r] of results) {
    const cpu = median(r.cpuUs);
    console.log(
      `${name.padEnd(26)} server CPU ${cpu.toFixed(0).padStart(5)} µs/handshake` +
        ` (${(cpu / base).toFixed(2)}×), ${median(r.rate).toFixed(0)} handshakes/s` +
        ` [cpu rounds: ${r.cpuUs.map((v) => v.toFixed(0)).join(', ')}]`,
    );
  }
  ours.close();
  node.close();
}

if (process.argv[2] === 'client') await client(Number(process.argv[3]));
else await main();
