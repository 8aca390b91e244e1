/**
 * Admin API write benchmark (not a test): on the embedded store, side by side in one run with a
 * baseline, it reports
 *   - write throughput: PUT /apisix/admin/routes/{id} over keep-alive connections, against the
 *     baseline of a bare node:http server that parses the same JSON body and INSERTs it into a
 *     SQLite table with the same pragmas (WAL, synchronous=FULL): the least any durable HTTP
 *     write can cost here;
 *   - put → watch-event latency: from sending the PUT until a watch on the store delivers the
 *     event (what the data plane will see), p50/p99 over WRITES sequential writes.
 *
 *   npm run build && node dist/bench/admin-write.js            # WRITES=5000 CONCURRENCY=16
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../src/store/embedded/embedded-store.js';
import { benchAdminServer } from './admin-server.js';
import { median, percentile } from './stats.js';

const WRITES = Number(process.env['WRITES'] ?? 5000);
const CONCURRENCY = Number(process.env['CONCURRENCY'] ?? 16);
const ROUNDS = Number(process.env['ROUNDS'] ?? 3);
const KEY = 'bench-admin-key';

interface Target {
  name: string;
  port: number;
  close(): Promise<void>;
}

function routeBody(i: number): string {
  return JSON.stringify({
    uri: `/bench/${i}`,
    methods: ['GET'],
    upstream: { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } },
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function put(port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'PUT',
        agent,
        headers: { 'content-type': 'application/json', 'x-api-key': KEY },
      },
      (res: IncomingMessage) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function startGatehouse(dir: string): Promise<Target & { store: EmbeddedStore }> {
  const store = EmbeddedStore.open({ file: join(dir, 'gatehouse.db') });
  const admin = benchAdminServer(store, KEY);
  const { port } = await admin.listen();
  return {
    name: 'gatehouse admin',
    port,
    store,
    close: async () => {
      await admin.close();
      await store.close();
    },
  };
}

/** The baseline: parse the JSON body, one durable INSERT, answer 200. */
async function startBaseline(dir: string): Promise<Target> {
  const db = new Database(join(dir, 'baseline.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const insert = db.prepare('INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)');
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      insert.run(req.url ?? '', JSON.stringify(value));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name: 'baseline (http + sqlite insert)',
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      db.close();
    },
  };
}

/** WRITES PUTs with CONCURRENCY in flight; returns writes per second. */
async function throughput(target: Target, round: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  async function worker(): Promise<void> {
    while (next < WRITES) {
      const i = next++;
      const status = await put(target.port, `/apisix/admin/routes/r${round}-${i}`, routeBody(i));
      if (status !== 200 && status !== 201) throw new Error(`${target.name}: status ${status}`);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return WRITES / seconds;
}

/** Sequential PUTs; for each, the time until the store's watch delivers its event. */
async function watchLatency(gh: Target & { store: EmbeddedStore }): Promise<number[]> {
  const pending = new Map<string, bigint>();
  const latencies: number[] = [];
  let wake: (() => void) | undefined;
  const from = (await gh.store.revision()) + 1;
  const watch = gh.store.watch('/apisix/routes/', from, (batch) => {
    if (batch.kind !== 'events') return;
    for (const event of batch.events) {
      const key = event.type === 'put' ? event.kv.key : event.key;
      const sent = pending.get(key);
      if (sent === undefined) continue;
      pending.delete(key);
      latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
      wake?.();
    }
  });
  for (let i = 0; i < WRITES; i++) {
    const id = `lat-${i}`;
    const seen = new Promise<void>((resolve) => (wake = resolve));
    pending.set(`/apisix/routes/${id}`, process.hrtime.bigint());
    await put(gh.port, `/apisix/admin/routes/${id}`, routeBody(i));
    if (pending.size > 0) await seen;
  }
  watch.cancel();
  return latencies;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-admin-'));
  try {
    const gh = await startGatehouse(dir);
    const base = await startBaseline(dir);
    const ghRates: number[] = [];
    const baseRates: number[] = [];
    const ratios: number[] = [];
    // Interleaved rounds: the machines drift, so each ratio compares samples of the same moment.
    for (let round = 0; round < ROUNDS; round++) {
      const b = await throughput(base, round);
      const g = await throughput(gh, round);
      baseRates.push(b);
      ghRates.push(g);
      ratios.push(g / b);
    }
    const latencies = (await watchLatency(gh)).sort((a, b) => a - b);
    await gh.close();
    await base.close();
    agent.destroy();

    console.log(`Admin API writes, ${WRITES} PUTs x ${ROUNDS} rounds, ${CONCURRENCY} in flight`);
    console.log('');
    console.log('| target | writes/s (median) | x baseline (median of rounds) |');
    console.log('| --- | ---: | ---: |');
    console.log(`| ${base.name} | ${median(baseRates).toFixed(0)} | 1.00 |`);
    console.log(`| ${gh.name} | ${median(ghRates).toFixed(0)} | ${median(ratios).toFixed(2)} |`);
    console.log('');
    console.log(`put → watch event, ${latencies.length} sequential PUTs through the Admin API`);
    console.log('');
    console.log('| p50 ms | p90 ms | p99 ms | max ms |');
    console.log('| ---: | ---: | ---: | ---: |');
    const row = [50, 90, 99].map((p) => percentile(latencies, p).toFixed(2));
    console.log(`| ${row.join(' | ')} | ${(latencies.at(-1) ?? NaN).toFixed(2)} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
