import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { WorkerPool } from '../../src/cluster/pool.js';
import type { KeyValue } from '../../src/core/kv.js';
import { silentLogger } from '../../src/core/logger.js';
import { freePort } from '../support/free-port.js';
import { getView, kv, RECORD_WORKER, viewsOfEveryWorker, workerConfig } from './helpers.js';

/** A pool over the recording worker, with the primary's state kept in a map as the feed would. */
async function startPool(
  count: number,
  items: KeyValue[] = [],
  revision = 1,
  execArgv?: readonly string[],
) {
  const port = await freePort();
  const state = { revision, items: new Map(items.map((i) => [i.key, i])) };
  const pool = new WorkerPool({
    count,
    exec: RECORD_WORKER,
    config: workerConfig(port),
    state: () => ({ revision: state.revision, items: state.items.values() }),
    logger: silentLogger(),
    drainTimeoutMs: 3000,
    ...(execArgv === undefined ? {} : { execArgv }),
  });
  await pool.start();
  const put = (key: string, value: string): number => {
    state.revision += 1;
    const item = kv(key, value, state.revision);
    state.items.set(key, item);
    pool.publish({ kind: 'events', revision: state.revision, events: [{ type: 'put', kv: item }] });
    return state.revision;
  };
  return { pool, port, state, put };
}

void test('starts the configured number of workers, each ready with the full state', async () => {
  const { pool, port } = await startPool(2, [kv('/apisix/routes/1', '{}', 1)], 7);
  try {
    assert.deepEqual(pool.readiness(), { count: 2, ready: 2 });
    const workers = pool.workers();
    assert.deepEqual(
      workers.map((w) => [w.id, w.applied_revision, w.ready]),
      [
        [0, 7, true],
        [1, 7, true],
      ],
    );
    const views = await viewsOfEveryWorker(port, 2);
    assert.deepEqual(new Set(views.keys()), new Set(workers.map((w) => w.pid)));
    for (const view of views.values()) assert.equal(view.count, 1);
  } finally {
    await pool.stop();
  }
});

void test('a delta is applied by every worker once waitForRevision resolves, with no sleep', async () => {
  const { pool, port, put } = await startPool(2);
  try {
    const rev = put('/apisix/routes/9', '{"uri":"/x"}');
    assert.equal(await pool.waitForRevision(rev, 5000), true);
    const views = await viewsOfEveryWorker(port, 2, '/?key=/apisix/routes/9');
    assert.equal(views.size, 2);
    for (const view of views.values()) {
      assert.equal(view.revision, rev);
      assert.equal(view.value, '{"uri":"/x"}');
    }
    assert.ok(pool.workers().every((w) => w.applied_revision === rev));
  } finally {
    await pool.stop();
  }
});

void test('workers report deltas nobody waits for too, together, without being asked', async () => {
  const { pool, put } = await startPool(2);
  try {
    put('/apisix/routes/1', '{"uri":"/a"}');
    const last = put('/apisix/routes/2', '{"uri":"/b"}');
    // No waitForRevision: the acknowledgements come lazily; poll the Control API's view.
    while (!pool.workers().every((w) => w.applied_revision === last)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await pool.stop();
  }
});

void test('a waiter registered before its delta is published is settled by it', async () => {
  const { pool, put, state } = await startPool(1);
  try {
    const waited = pool.waitForRevision(state.revision + 1, 5000);
    put('/apisix/routes/3', '{"uri":"/c"}');
    assert.equal(await waited, true);
  } finally {
    await pool.stop();
  }
});

void test('waitForRevision resolves false after the timeout when no worker applied it', async () => {
  const { pool } = await startPool(1);
  try {
    assert.equal(await pool.waitForRevision(1000, 50), false);
    assert.equal(await pool.waitForRevision(1, 50), true, 'an applied revision resolves at once');
  } finally {
    await pool.stop();
  }
});

void test('deltas published while a reset is being sent arrive after it, in order', async () => {
  const items = Array.from({ length: 5000 }, (_, i) => kv(`/apisix/routes/${i}`, '{}', 1));
  const { pool, port, put } = await startPool(1, items, 1);
  try {
    // A reset of 5000 items takes several chunks; these deltas land in the middle of it.
    pool.publish({ kind: 'reset', revision: 1, items });
    const last = [put('/apisix/routes/a', '"a"'), put('/apisix/routes/b', '"b"')].at(-1) ?? 0;
    assert.equal(await pool.waitForRevision(last, 5000), true);
    const view = await getView(port, '/?key=/apisix/routes/b');
    assert.equal(view.count, 5002);
    assert.equal(view.value, '"b"');
  } finally {
    await pool.stop();
  }
});

void test('a killed worker is restarted and serves the current state', async () => {
  const { pool, port, put } = await startPool(2);
  try {
    const victim = pool.workers()[0];
    assert.ok(victim);
    const rev = put('/apisix/routes/1', '"before"');
    await pool.waitForRevision(rev, 5000);
    process.kill(victim.pid, 'SIGKILL');
    // The restart is visible as a new pid in slot 0 that is ready.
    const deadline = Date.now() + 10_000;
    while (!pool.workers().some((w) => w.id === 0 && w.pid !== victim.pid && w.ready)) {
      assert.ok(Date.now() < deadline, 'worker restarted in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const after = put('/apisix/routes/2', '"after"');
    assert.equal(await pool.waitForRevision(after, 5000), true);
    const views = await viewsOfEveryWorker(port, 2, '/?key=/apisix/routes/1');
    assert.equal(views.has(victim.pid), false);
    for (const view of views.values()) {
      assert.equal(view.value, '"before"');
      assert.equal(view.revision, after);
    }
    assert.deepEqual(pool.readiness(), { count: 2, ready: 2 });
  } finally {
    await pool.stop();
  }
});

void test('replaceAll swaps every worker under load with zero failed requests', async () => {
  const { pool, port } = await startPool(2);
  try {
    const before = new Set(pool.workers().map((w) => w.pid));
    let failures = 0;
    let served = 0;
    let loading = true;
    const client = async (): Promise<void> => {
      while (loading) {
        try {
          await getView(port);
          served += 1;
        } catch {
          failures += 1;
        }
      }
    };
    const clients = [client(), client(), client()];
    await pool.replaceAll(workerConfig(port));
    loading = false;
    await Promise.all(clients);
    assert.equal(failures, 0);
    assert.ok(served > 0);
    const after = pool.workers();
    assert.equal(after.length, 2);
    for (const w of after) assert.equal(before.has(w.pid), false, 'every worker is new');
  } finally {
    await pool.stop();
  }
});

void test('stop lets an in-flight slow request finish', async () => {
  const { pool, port } = await startPool(1);
  const slow = getView(port, '/slow?ms=400');
  // The request is in the worker once its connection is accepted; a plain request after it on
  // another connection proves the worker has read the first (the worker answers in order).
  await getView(port);
  await pool.stop(5000);
  const view = await slow;
  assert.equal(typeof view.pid, 'number');
});

void test('a worker that cannot listen fails start with GH_ERR_CLUSTER_WORKER_START', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const address = blocker.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const pool = new WorkerPool({
    count: 1,
    exec: RECORD_WORKER,
    config: workerConfig(port),
    state: () => ({ revision: 1, items: [] }),
    logger: silentLogger(),
  });
  try {
    await assert.rejects(pool.start(), {
      code: 'GH_ERR_CLUSTER_WORKER_START',
      message: /EADDRINUSE/,
    });
  } finally {
    blocker.close();
  }
});

void test('a worker count below 1 is refused', () => {
  assert.throws(
    () =>
      new WorkerPool({
        count: 0,
        exec: RECORD_WORKER,
        config: workerConfig(1),
        state: () => ({ revision: 0, items: [] }),
        logger: silentLogger(),
      }),
    { code: 'GH_ERR_CONFIG_INVALID' },
  );
});

void test('workers run with the execArgv given, and a restarted worker too', async () => {
  const flags = ['--max-semi-space-size=7', '--stack-size=900'];
  const { pool, port } = await startPool(1, [], 1, flags);
  try {
    assert.deepEqual((await getView(port)).execArgv, flags);
    const victim = pool.workers()[0]!.pid;
    process.kill(victim, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (!pool.workers().some((w) => w.pid !== victim && w.ready)) {
      assert.ok(Date.now() < deadline, 'worker restarted in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const view = await getView(port);
    assert.notEqual(view.pid, victim);
    assert.deepEqual(view.execArgv, flags);
  } finally {
    await pool.stop();
  }
});

void test('by default workers get GATEHOUSE_WORKER_NODE_OPTIONS after the primary own flags', async () => {
  const saved = process.env['GATEHOUSE_WORKER_NODE_OPTIONS'];
  process.env['GATEHOUSE_WORKER_NODE_OPTIONS'] = ' --max-semi-space-size=9  --stack-size=901 ';
  try {
    const { pool, port } = await startPool(1);
    try {
      const argv = (await getView(port)).execArgv;
      assert.deepEqual(argv.slice(-2), ['--max-semi-space-size=9', '--stack-size=901']);
      assert.deepEqual(
        argv.slice(-2 - process.execArgv.length, -2),
        process.execArgv,
        'the primary flags come before them',
      );
    } finally {
      await pool.stop();
    }
  } finally {
    if (saved === undefined) delete process.env['GATEHOUSE_WORKER_NODE_OPTIONS'];
    else process.env['GATEHOUSE_WORKER_NODE_OPTIONS'] = saved;
  }
});
