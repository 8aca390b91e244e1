/**
 * Route scale: start-up time, worker memory and proxy throughput with 1, 10k and 100k routes
 * (a mix of exact, prefix, parameter and host routes, written to the store before start), one
 * worker each, wrk on one exact route. All sizes are started first (one after the other, so each
 * start-up is timed alone) and stay up; then `rounds` rounds measure each size in turn, so the
 * 1-route baseline and the large sizes see the same machine (medians, and per-round ratios).
 *
 *   npx tsc -p . && node dist/bench/route-scale.js [sizes=1,10000,100000] [seconds=10] [rounds=3]
 */
import { rmSync } from 'node:fs';
import {
  preparePrefix,
  startGateway,
  startUpstream,
  workerRssMiB,
  wrk,
  type BenchGateway,
  type WrkResult,
} from './route-scale-gateway.js';
import { median } from './stats.js';

const sizes = (process.argv[2] ?? '1,10000,100000').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 10);
const rounds = Number(process.argv[4] ?? 3);
const upstream = await startUpstream();
const started: { size: number; prefix: string; gw: BenchGateway; rss: number }[] = [];
try {
  for (const size of sizes) {
    const prefix = await preparePrefix(size, upstream.port);
    const gw = await startGateway(prefix, 1);
    started.push({ size, prefix, gw, rss: (await workerRssMiB(gw))[0] ?? NaN });
  }
  const url = (gw: BenchGateway) => `http://127.0.0.1:${gw.http}/exact/0`;
  // Route 0 is `/exact/0`, present at every size.
  for (const s of started) await wrk(url(s.gw), 3);
  const runs = new Map<number, WrkResult[]>(sizes.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const s of started) runs.get(s.size)!.push(await wrk(url(s.gw), seconds));
  }
  const base = runs.get(started[0]!.size)!;
  console.log(
    `\none worker per size, wrk -t1 -c32 ${seconds}s on /exact/0, ${rounds} interleaved rounds (medians)\n`,
  );
  console.log(
    '| routes  | start ms (to /status/ready) | worker RSS MiB |   req/s | vs 1 route (per-round ratios) | p99 ms | errors |',
  );
  console.log(
    '| ------: | --------------------------: | -------------: | ------: | ----------------------------: | -----: | -----: |',
  );
  for (const s of started) {
    const rs = runs.get(s.size)!;
    const ratios = rs.map((x, i) => (100 * x.rps) / base[i]!.rps);
    console.log(
      `| ${String(s.size).padStart(7)} | ${String(s.gw.startMs).padStart(27)} | ${s.rss.toFixed(0).padStart(14)} | ` +
        `${median(rs.map((x) => x.rps))
          .toFixed(0)
          .padStart(7)} | ` +
        `${(median(ratios).toFixed(0) + '% (' + ratios.map((x) => x.toFixed(0)).join(', ') + ')').padStart(29)} | ` +
        `${median(rs.map((x) => x.p99ms))
          .toFixed(2)
          .padStart(6)} | ${rs.reduce((a, x) => a + x.errors, 0)} |`,
    );
  }
} finally {
  for (const s of started) {
    await s.gw.stop();
    rmSync(s.prefix, { recursive: true, force: true });
  }
  upstream.server.close();
}
