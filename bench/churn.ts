/**
 * Churn: with N routes loaded (10k by default), wrk on one route for `seconds`, once without
 * writes (the baseline, same run) and once while 50 route writes per second go through the Admin
 * API (each to a different route of the mix). One worker.
 *
 *   npx tsc -p . && node dist/bench/churn.js [routes=10000] [seconds=10] [writesPerSecond=50]
 */
import { rmSync } from 'node:fs';
import {
  KEY,
  mixedRoute,
  preparePrefix,
  startGateway,
  startUpstream,
  wrk,
} from './route-scale-gateway.js';

const routes = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 10);
const perSecond = Number(process.argv[4] ?? 50);
const upstream = await startUpstream();
const prefix = await preparePrefix(routes, upstream.port);
const gw = await startGateway(prefix, 1);
const url = `http://127.0.0.1:${gw.http}/exact/0`;
try {
  await wrk(url, 2);
  const quiet = await wrk(url, seconds);
  let writes = 0;
  let failed = 0;
  const timer = setInterval(() => {
    const i = 1 + ((writes * 7919) % (routes - 1));
    writes++;
    fetch(`http://127.0.0.1:${gw.admin}/apisix/admin/routes/${i}`, {
      method: 'PUT',
      headers: { 'X-API-KEY': KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...mixedRoute(i, upstream.port), desc: `w${writes}` }),
    })
      .then((res) => {
        if (res.status >= 300) failed++;
        return res.arrayBuffer();
      })
      .catch(() => failed++);
  }, 1000 / perSecond);
  const busy = await wrk(url, seconds);
  clearInterval(timer);
  console.log(`\n${routes} routes, one worker, wrk -t1 -c32 ${seconds}s on /exact/0\n`);
  console.log('| run                          |   req/s | p50 ms | p99 ms | errors |');
  console.log('| ---------------------------- | ------: | -----: | -----: | -----: |');
  const row = (name: string, r: { rps: number; p50ms: number; p99ms: number; errors: number }) =>
    console.log(
      `| ${name.padEnd(28)} | ${r.rps.toFixed(0).padStart(7)} | ${r.p50ms.toFixed(2).padStart(6)} | ${r.p99ms.toFixed(2).padStart(6)} | ${String(r.errors).padStart(6)} |`,
    );
  row('no writes (baseline)', quiet);
  row(`${perSecond} route writes/s`, busy);
  console.log(
    `\nthroughput with writes: ${((100 * busy.rps) / quiet.rps).toFixed(1)}% of baseline; ` +
      `p99 ${(busy.p99ms / quiet.p99ms).toFixed(2)}x; ${writes} writes sent, ${failed} failed`,
  );
} finally {
  await gw.stop();
  upstream.server.close();
  rmSync(prefix, { recursive: true, force: true });
}
