/**
 * The CPU the Admin API spends per route PUT, without the gateway around it (not a test): the
 * Admin server on an embedded store on tmpfs (no fsync to wait for), a watch on the store like
 * the primary's feed, `routes` routes loaded, and a client in a child process (so its CPU is
 * not counted) sending the churn benchmark's route bodies one at a time. Prints, per round of
 * `writes`, the server's CPU per write: all threads (process.cpuUsage) and the main thread alone
 * (schedstat). Back to back, so there is no idle wake-up in it: this is the work of a write, the
 * part code changes can move; bench/churn-cost.ts measures the whole primary at 50 writes/s.
 *
 *   npx tsc -p . && node dist/bench/admin-write-cpu.js [writes=1000] [rounds=4] [routes=10000]
 *
 * Instructions instead of time, free of the machine's noise: one round under callgrind, once with
 * 200 writes and once with 1,200, and the difference of the totals over 1,000:
 *
 *   valgrind --tool=callgrind node --single-threaded dist/bench/admin-write-cpu.js 1200 1 1000
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedStore } from '../src/store/embedded/embedded-store.js';
import { benchAdminServer } from './admin-server.js';
import { KEY, mixedRoute } from './route-scale-gateway.js';

const UPSTREAM_PORT = 1980;

// argv: [writes, rounds, routes] or, in the client, ['client', port, routes].
const ROUTES = Number(process.argv[4] ?? 10_000);

if (process.argv[2] === 'client') await client(Number(process.argv[3]));
else await server(Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 4));

/** Sends `n` PUTs one after the other for each message, then answers 'done'. */
async function client(port: number): Promise<void> {
  let seq = 0;
  process.on('message', (n: number) => {
    void (async () => {
      for (let k = 0; k < n; k++) {
        const i = 1 + ((seq * 7919) % (ROUTES - 1));
        seq++;
        const res = await fetch(`http://127.0.0.1:${port}/apisix/admin/routes/${i}`, {
          method: 'PUT',
          headers: { 'X-API-KEY': KEY, 'Content-Type': 'application/json' },
          body: JSON.stringify({ ...mixedRoute(i, UPSTREAM_PORT), desc: `w${seq}` }),
        });
        await res.arrayBuffer();
        if (res.status >= 300) throw new Error(`PUT answered ${res.status}`);
      }
      process.send?.('done');
    })();
  });
  await new Promise(() => undefined); // until the parent kills this process
}

async function server(writes: number, rounds: number): Promise<void> {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'gh-write-cpu-'));
  const store = EmbeddedStore.open({ file: join(dir, 'gatehouse.db') });
  for (let i = 1; i < ROUTES; i++) {
    const value = { id: String(i), ...mixedRoute(i, UPSTREAM_PORT) };
    await store.put(`/apisix/routes/${i}`, JSON.stringify(value));
  }
  const watch = store.watch('/apisix/', (await store.revision()) + 1, () => undefined);
  const admin = benchAdminServer(store, KEY);
  const { port } = await admin.listen();
  const child = fork(fileURLToPath(import.meta.url), ['client', String(port), String(ROUTES)], {
    execArgv: [],
  });
  const send = (n: number) =>
    new Promise<void>((resolve) => {
      child.once('message', () => resolve());
      child.send(n);
    });
  const mainThreadUs = () =>
    Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e3;
  try {
    await send(50); // warm-up: the route schema's first compile, undici in the client
    console.log(`${writes} route PUTs per round, ${ROUTES} routes, store on ${dir}`);
    console.log('| round | µs/write, all threads | µs/write, main thread |');
    console.log('| ----: | --------------------: | --------------------: |');
    for (let r = 1; r <= rounds; r++) {
      const cpu0 = process.cpuUsage();
      const main0 = mainThreadUs();
      await send(writes);
      const cpu = process.cpuUsage(cpu0);
      const main = mainThreadUs() - main0;
      const all = (cpu.user + cpu.system) / writes;
      console.log(`| ${r} | ${all.toFixed(0)} | ${(main / writes).toFixed(0)} |`);
    }
  } finally {
    child.kill();
    watch.cancel();
    await admin.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
