import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createControlApi } from '../../src/control/control-api.js';
import { createStatusApi } from '../../src/control/status-api.js';
import type { JsonServer } from '../../src/control/json-server.js';
import type { KeyValue } from '../../src/core/kv.js';
import { silentLogger } from '../../src/core/logger.js';

function kv(key: string, value: unknown, rev: number): [string, KeyValue] {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return [key, { key, value: text, createRevision: rev, modRevision: rev + 1, lease: 0 }];
}

const items = new Map<string, KeyValue>([
  kv('/apisix/routes', 'init_dir', 1),
  kv('/apisix/routes/1', { id: '1', uri: '/a' }, 2),
  kv('/apisix/routes/2', 'not json', 3),
  kv('/apisix/services/s1', { id: 's1' }, 4),
  kv('/apisix/upstreams/u1', { id: 'u1', nodes: {} }, 5),
  kv('/apisix/plugin_metadata/file-logger', { id: 'file-logger', log_format: {} }, 6),
  kv('/apisix/plugin_metadata/disabled', { id: 'disabled' }, 7),
]);

async function withServer(server: JsonServer, run: (base: string) => Promise<void>): Promise<void> {
  const { port } = await server.listen();
  try {
    await run(`http://127.0.0.1:${port}`);
  } finally {
    await server.close();
  }
}

function control(reloads: string[] = []): JsonServer {
  return createControlApi({
    listen: { ip: '127.0.0.1', port: 0 },
    sources: {
      prefix: '/apisix',
      items: () => items,
      revision: () => 42,
      enabledPlugins: () => ['file-logger'],
      schema: () => ({ main: { route: { type: 'object' } } }),
      workers: () => [
        { id: 0, pid: 100, applied_revision: 42, ready: true },
        { id: 1, pid: 101, applied_revision: 41, ready: true },
      ],
      reloadPlugins: () => {
        reloads.push('reload');
        return Promise.resolve();
      },
    },
    logger: silentLogger(),
  });
}

const cases: { desc: string; path: string; status: number; body: unknown }[] = [
  {
    desc: 'lists routes, skipping directory placeholders and values that are not JSON',
    path: '/v1/routes',
    status: 200,
    body: [
      { key: '/apisix/routes/1', value: { id: '1', uri: '/a' }, createdIndex: 2, modifiedIndex: 3 },
    ],
  },
  {
    desc: 'shows one route by id',
    path: '/v1/route/1',
    status: 200,
    body: {
      key: '/apisix/routes/1',
      value: { id: '1', uri: '/a' },
      createdIndex: 2,
      modifiedIndex: 3,
    },
  },
  {
    desc: 'a missing route is 404 with APISIX text',
    path: '/v1/route/9',
    status: 404,
    body: { error_msg: 'route[9] not found' },
  },
  {
    desc: 'a missing service',
    path: '/v1/service/x',
    status: 404,
    body: { error_msg: 'service[x] not found' },
  },
  {
    desc: 'a missing upstream',
    path: '/v1/upstream/x',
    status: 404,
    body: { error_msg: 'upstream[x] not found' },
  },
  {
    desc: 'lists services',
    path: '/v1/services',
    status: 200,
    body: [{ key: '/apisix/services/s1', value: { id: 's1' }, createdIndex: 4, modifiedIndex: 5 }],
  },
  {
    desc: 'shows one upstream',
    path: '/v1/upstream/u1',
    status: 200,
    body: {
      key: '/apisix/upstreams/u1',
      value: { id: 'u1', nodes: {} },
      createdIndex: 5,
      modifiedIndex: 6,
    },
  },
  {
    desc: 'plugin metadata of enabled plugins only',
    path: '/v1/plugin_metadatas',
    status: 200,
    body: [{ id: 'file-logger', log_format: {} }],
  },
  {
    desc: 'one plugin metadata value',
    path: '/v1/plugin_metadata/file-logger',
    status: 200,
    body: { id: 'file-logger', log_format: {} },
  },
  {
    desc: 'metadata of a disabled plugin is not found',
    path: '/v1/plugin_metadata/disabled',
    status: 404,
    body: { error_msg: 'plugin metadata[disabled] not found' },
  },
  {
    desc: 'the schema document',
    path: '/v1/schema',
    status: 200,
    body: { main: { route: { type: 'object' } } },
  },
  {
    desc: 'per-worker applied revisions',
    path: '/v1/gatehouse/workers',
    status: 200,
    body: [
      { id: 0, pid: 100, applied_revision: 42, ready: true },
      { id: 1, pid: 101, applied_revision: 41, ready: true },
    ],
  },
  {
    desc: 'the store revision beside every worker',
    path: '/v1/gatehouse/revision',
    status: 200,
    body: {
      revision: 42,
      workers: [
        { id: 0, pid: 100, applied_revision: 42 },
        { id: 1, pid: 101, applied_revision: 41 },
      ],
    },
  },
  {
    desc: 'an unknown path is 404',
    path: '/v1/nothing',
    status: 404,
    body: { error_msg: 'not found' },
  },
];

void test('Control API read-only endpoints', async (t) => {
  await withServer(control(), async (base) => {
    for (const c of cases) {
      await t.test(c.desc, async () => {
        const res = await fetch(`${base}${c.path}`);
        assert.equal(res.status, c.status);
        assert.deepEqual(await res.json(), c.body);
      });
    }
  });
});

void test('PUT /v1/plugins/reload reloads the plugins and answers done', async () => {
  const reloads: string[] = [];
  await withServer(control(reloads), async (base) => {
    const res = await fetch(`${base}/v1/plugins/reload`, { method: 'PUT' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'done');
    assert.deepEqual(reloads, ['reload']);
    assert.equal((await fetch(`${base}/v1/routes`, { method: 'POST' })).status, 404);
  });
});

void test('/status/ready is 503 with the worker counts until every worker reported', async () => {
  let readiness = { count: 4, ready: 3 };
  const status = createStatusApi({
    listen: { ip: '127.0.0.1', port: 0 },
    readiness: () => readiness,
    logger: silentLogger(),
  });
  await withServer(status, async (base) => {
    assert.deepEqual(await (await fetch(`${base}/status`)).json(), { status: 'ok' });
    const notYet = await fetch(`${base}/status/ready`);
    assert.equal(notYet.status, 503);
    assert.deepEqual(await notYet.json(), {
      status: 'error',
      error: 'worker count: 4 but status report count: 3',
    });
    readiness = { count: 4, ready: 4 };
    const ready = await fetch(`${base}/status/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ok' });
  });
});
