/**
 * Route scale: start-up time, worker memory and proxy throughput with 1, 10k and 100k routes
 * (a mix of exact, prefix, parameter and host routes, written to the store before start), one
 * worker, wrk on one exact route. The 1-route run is the baseline of the same run.
 *
 *   npx tsc -p . && node dist/bench/route-scale.js [sizes=1,10000,100000] [seconds=10]
 */
import { rmSync } from 'node:fs';
import {
  preparePrefix,
  startGateway,
  startUpstream,
  workerRssMiB,
  wrk,
} from './route-scale-gateway.js';

const sizes = (process.argv[2] ?? '1,10000,100000').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 10);
const upstream = await startUpstream();
const rows: string[] = [];
let baseRps = NaN;
for (const size of sizes) {
  const prefix = await preparePrefix(size, upstream.port);
  const gw = await startGateway(prefix, 1);
  try {
    const rss = await workerRssMiB(gw);
    // Route 0 is `/exact/0`, present at every size.
    await wrk(`http://127.0.0.1:${gw.http}/exact/0`, 2);
    const run = await wrk(`http://127.0.0.1:${gw.http}/exact/0`, seconds);
    if (Number.isNaN(baseRps)) baseRps = run.rps;
    rows.push(
      `| ${String(size).padStart(7)} | ${String(gw.startMs).padStart(8)} | ${(rss[0] ?? NaN).toFixed(0).padStart(8)} | ` +
        `${run.rps.toFixed(0).padStart(7)} | ${((100 * run.rps) / baseRps).toFixed(0).padStart(5)}% | ` +
        `${run.p99ms.toFixed(2).padStart(7)} | ${run.errors} |`,
    );
  } finally {
    await gw.stop();
    rmSync(prefix, { recursive: true, force: true });
  }
}
upstream.server.close();
console.log('\n| routes  | start ms | RSS MiB |   req/s | vs 1  | p99 ms | errors |');
console.log('| ------: | -------: | ------: | ------: | ----: | -----: | -----: |');
for (const row of rows) console.log(row);
