import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  admin,
  controlJson,
  exitOf,
  httpGet,
  startGatehouse,
  startUpstream,
  until,
  type WorkerRow,
} from './helpers.js';

function route(upstreamPort: number, uri = '/*') {
  return { uri, upstream: { type: 'roundrobin', nodes: { [`127.0.0.1:${upstreamPort}`]: 1 } } };
}

void test('starts worker_processes workers, all ready and reported by the Control API', async () => {
  const gw = await startGatehouse({ workers: 3 });
  try {
    const workers = await controlJson<WorkerRow[]>(gw, '/v1/gatehouse/workers');
    assert.deepEqual(
      workers.map((w) => [w.id, w.ready]),
      [
        [0, true],
        [1, true],
        [2, true],
      ],
    );
    assert.equal(new Set(workers.map((w) => w.pid)).size, 3);
    const ready = await httpGet(gw.ports.status, '/status/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.body), { status: 'ok' });
  } finally {
    assert.equal(await gw.stop(), 0);
  }
});

void test('a route written with ?wait_applied is served by every worker at once', async () => {
  const upstream = await startUpstream();
  const gw = await startGatehouse({ workers: 2 });
  try {
    const put = await admin(gw, 'PUT', '/routes/1?wait_applied=5', route(upstream.port, '/hello'));
    assert.equal(put.status, 201);
    assert.equal(put.headers['x-gatehouse-wait'], 'applied');
    const revision = Number(put.headers['x-gatehouse-revision']);
    const workers = await controlJson<WorkerRow[]>(gw, '/v1/gatehouse/workers');
    assert.ok(workers.every((w) => w.applied_revision >= revision));
    // Fresh connections: the round robin gives each worker its share of these.
    for (let i = 0; i < 6; i++) {
      const res = await httpGet(gw.ports.http, '/hello');
      assert.equal(res.status, 200);
      assert.equal(res.body, 'upstream /hello');
    }
    const gone = await admin(gw, 'DELETE', '/routes/1?wait_applied=5');
    assert.equal(gone.headers['x-gatehouse-wait'], 'applied');
    for (let i = 0; i < 4; i++) {
      assert.equal((await httpGet(gw.ports.http, '/hello')).status, 404);
    }
  } finally {
    await gw.stop();
    upstream.server.close();
  }
});

void test('the Control API reports a write applied by every worker without waiting for lazy acks', async () => {
  const gw = await startGatehouse({ workers: 2 });
  try {
    // A worker compiles the route schema on its first route (~0.2-0.5 s): not what is tested.
    await admin(gw, 'PUT', '/routes/0?wait_applied=5', route(1, '/r0'));
    for (let i = 1; i <= 5; i++) {
      const put = await admin(gw, 'PUT', `/routes/${i}`, route(1, `/r${i}`));
      assert.equal(put.status, 201);
      const revision = Number(put.headers['x-gatehouse-revision']);
      const now = await controlJson<{ revision: number; workers: WorkerRow[] }>(
        gw,
        '/v1/gatehouse/revision',
      );
      assert.equal(now.revision, revision);
      assert.deepEqual(
        now.workers.map((w) => w.applied_revision),
        [revision, revision],
      );
      const workers = await controlJson<WorkerRow[]>(gw, '/v1/gatehouse/workers');
      assert.ok(workers.every((w) => w.applied_revision === revision));
    }
  } finally {
    await gw.stop();
  }
});

void test('a bad wait_applied is refused before anything is written', async () => {
  const gw = await startGatehouse({ workers: 1 });
  try {
    const res = await admin(gw, 'PUT', '/routes/1?wait_applied=never', route(1));
    assert.equal(res.status, 400);
    assert.match(res.body, /invalid argument wait_applied/);
    assert.equal((await admin(gw, 'GET', '/routes/1')).status, 404);
  } finally {
    await gw.stop();
  }
});

void test('a killed worker is restarted and serves the current config', async () => {
  const upstream = await startUpstream();
  const gw = await startGatehouse({ workers: 2 });
  try {
    await admin(gw, 'PUT', '/routes/1?wait_applied=5', route(upstream.port, '/before'));
    const [victim] = await controlJson<WorkerRow[]>(gw, '/v1/gatehouse/workers');
    assert.ok(victim);
    process.kill(victim.pid, 'SIGKILL');
    await until(async () => {
      const now = await controlJson<WorkerRow[]>(gw, '/v1/gatehouse/workers');
      return now.length === 2 && now.every((w) => w.ready && w.pid !== victim.pid);
    }, 'the worker restarted');
    await admin(gw, 'PUT', '/routes/2?wait_applied=5', route(upstream.port, '/after'));
    for (let i = 0; i < 4; i++) {
      assert.equal((await httpGet(gw.ports.http, '/before')).status, 200);
      assert.equal((await httpGet(gw.ports.http, '/after')).status, 200);
    }
  } finally {
    await gw.stop();
    upstream.server.close();
  }
});

void test('SIGHUP replaces every worker under load with zero failed requests', async () => {
  const upstream = await startUpstream();
  const gw = await startGatehouse({ workers: 2 });
  try {
    await admin(gw, 'PUT', '/routes/1?wait_applied=5', route(upstream.port));
    const before = new Set(
      (await controlJson<WorkerRow[]>(gw, '/v1/gatehouse/workers')).map((w) => w.pid),
    );
    let loading = true;
    const results = { ok: 0, failed: [] as string[] };
    const client = async (): Promise<void> => {
      // Bounded: the loop ends when the reload is seen done, or after 2,000 requests.
      for (let i = 0; loading && i < 2000; i++) {
        try {
          const res = await fetch(`http://127.0.0.1:${gw.ports.http}/x`);
          await res.text();
          if (res.status === 200) results.ok += 1;
          else results.failed.push(`status ${res.status}`);
        } catch (err) {
          results.failed.push(String(err));
        }
      }
    };
    const clients = [client(), client(), client(), client()];
    gw.child.kill('SIGHUP');
    await until(async () => {
      const now = await controlJson<WorkerRow[]>(gw, '/v1/gatehouse/workers');
      return now.length === 2 && now.every((w) => w.ready && !before.has(w.pid));
    }, 'every worker replaced');
    loading = false;
    await Promise.all(clients);
    assert.deepEqual(results.failed, []);
    assert.ok(results.ok > 0);
  } finally {
    await gw.stop();
    upstream.server.close();
  }
});

void test('SIGTERM lets an in-flight slow request finish, then exits 0', async () => {
  const upstream = await startUpstream(700);
  const gw = await startGatehouse({ workers: 1 });
  try {
    await admin(gw, 'PUT', '/routes/1?wait_applied=5', route(upstream.port));
    const slow = httpGet(gw.ports.http, '/slow');
    await until(() => upstream.seen.includes('/slow'), 'the request reached the upstream');
    gw.child.kill('SIGTERM');
    const res = await slow;
    assert.equal(res.status, 200);
    assert.equal(res.body, 'upstream /slow');
    assert.equal(await exitOf(gw.child), 0);
  } finally {
    await gw.stop();
    upstream.server.close();
  }
});
