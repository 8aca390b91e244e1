/**
 * Propagation through etcd: a route put on node A's store → applied in every worker of node A
 * and of node B, beside the same figure on the embedded store (one node), in one run (not a
 * test; never asserts timings).
 *
 *   npx tsc -p . && node dist/bench/propagation-etcd.js [writes=2000] [workers=2] [disk|tmpfs]
 *
 * Each node is what `gatehouse start` builds in its primary: a store, one ConfigFeed (one watch),
 * a WorkerPool of real gateway workers (dist/src/gateway/worker-main.js). The two etcd nodes have
 * their own etcd client (own connection, own watch stream) on one real single-member etcd.
 * Writes go one after the other, as the Admin API would put them on node A; a write's time is
 * from before the put until WorkerPool.waitForRevision resolves on the node(s) measured.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WorkerPool } from '../src/cluster/pool.js';
import { configFromObject } from '../src/config/load.js';
import { createLogger } from '../src/core/logger.js';
import { EmbeddedStore } from '../src/store/embedded/embedded-store.js';
import { EtcdStore } from '../src/store/etcd/etcd-store.js';
import { ConfigFeed } from '../src/store/feed.js';
import type { ConfigStore } from '../src/store/types.js';
import { startEtcd, stopAllEtcd } from '../test/support/etcd.js';
import { freePort } from '../test/support/free-port.js';
import { latencyRow, routeValue, scratchDir } from './propagation-common.js';

const writes = Number(process.argv[2] ?? 2000);
const workerCount = Number(process.argv[3] ?? 2);
const onDisk = (process.argv[4] ?? 'disk') === 'disk';
const exec = fileURLToPath(new URL('../src/gateway/worker-main.js', import.meta.url));
const dir = scratchDir('propagation-etcd');
const logger = createLogger('bench', 'warn');

const route = routeValue;

const row = (name: string, ms: number[]): string => latencyRow(name, ms, 58, 2);

interface BenchNode {
  store: ConfigStore;
  pool: WorkerPool;
  stop(): Promise<void>;
}

async function startNode(store: ConfigStore, name: string): Promise<BenchNode> {
  const port = await freePort();
  const config = configFromObject(
    {
      apisix: {
        node_listen: [{ ip: '127.0.0.1', port }],
        enable_control: false,
        ssl: { enable: false },
      },
      nginx_config: { worker_processes: workerCount },
    },
    { prefix: join(dir, name) },
  );
  const feed = new ConfigFeed({ store, prefix: '/apisix', logger });
  const pool = new WorkerPool({
    count: workerCount,
    exec,
    config,
    state: () => ({ revision: feed.revision, items: feed.items().values() }),
    logger,
  });
  await feed.start((u) => pool.publish(u));
  await pool.start();
  return {
    store,
    pool,
    async stop() {
      await pool.stop();
      feed.stop();
      await store.close();
    },
  };
}

/** put on `writer` → every worker of each of `nodes` applied it; the time of each node and of all. */
async function measure(writer: ConfigStore, nodes: BenchNode[], tag: string) {
  const perNode: number[][] = nodes.map(() => []);
  const all: number[] = [];
  let timeouts = 0;
  for (let i = 0; i < writes; i++) {
    const t0 = performance.now();
    const { revision } = await writer.put(`/apisix/routes/${tag}${i % 500}`, route(i));
    await Promise.all(
      nodes.map(async (node, n) => {
        if (!(await node.pool.waitForRevision(revision, 5000))) timeouts++;
        perNode[n]?.push(performance.now() - t0);
      }),
    );
    all.push(performance.now() - t0);
  }
  return { perNode, all, timeouts };
}

const etcd = await startEtcd({ name: 'bench', ...(onDisk ? { baseDir: dir } : {}) });
try {
  const open = () => EtcdStore.open({ hosts: [etcd.endpoint], timeoutSeconds: 5, logger });
  const a = await startNode(await open(), 'a');
  const b = await startNode(await open(), 'b');
  const viaEtcd = await measure(a.store, [a, b], 'e');
  await a.stop();
  await b.stop();

  const embedded = await startNode(
    EmbeddedStore.open({ file: join(dir, 'gatehouse.db'), logger }),
    'emb',
  );
  const local = await measure(embedded.store, [embedded], 'l');
  await embedded.stop();

  console.log(
    `\n${writes} sequential route puts, ${workerCount} workers per node, etcd 3.4 single member on ${onDisk ? 'disk' : 'tmpfs'} (ms)\n`,
  );
  console.log(`| ${'path'.padEnd(58)} |     p50 |     p99 |     max |`);
  console.log(`| ${'-'.repeat(58)} | ------: | ------: | ------: |`);
  console.log(
    row(`etcd: put on A → applied in all ${workerCount} workers of A`, viaEtcd.perNode[0] ?? []),
  );
  console.log(
    row(`etcd: put on A → applied in all ${workerCount} workers of B`, viaEtcd.perNode[1] ?? []),
  );
  console.log(
    row(`etcd: put on A → applied in all ${2 * workerCount} workers of A and B`, viaEtcd.all),
  );
  console.log(row(`embedded: put → applied in all ${workerCount} workers (one node)`, local.all));
  const timeouts = viaEtcd.timeouts + local.timeouts;
  if (timeouts > 0) console.log(`(${timeouts} waits timed out after 5 s)`);
} finally {
  await stopAllEtcd();
  rmSync(dir, { recursive: true, force: true });
}
