import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import { createStatusApi } from '../../src/control/status-api.js';
import type { ConfigState } from '../../src/control/types.js';

async function ready(state: ConfigState, ready = 2): Promise<{ status: number; body: unknown }> {
  const api = createStatusApi({
    listen: { ip: '127.0.0.1', port: 0 },
    readiness: () => ({ count: 2, ready }),
    config: () => state,
    logger: silentLogger(),
  });
  const { port } = await api.listen();
  try {
    const res = await fetch(`http://127.0.0.1:${port}/status/ready`);
    return { status: res.status, body: await res.json() };
  } finally {
    await api.close();
  }
}

const synced: ConfigState = { synced: true, revision: 5, resyncs: 0, events: 3 };

void test('/status/ready in sync answers exactly APISIX body', async () => {
  assert.deepEqual(await ready(synced), { status: 200, body: { status: 'ok' } });
});

void test('/status/ready with a stale config stays ready and says since when and why', async () => {
  const since = Date.UTC(2026, 0, 2, 3, 4, 5);
  const state = {
    ...synced,
    synced: false,
    staleSince: since,
    lastError: 'etcd (x) is unavailable',
  };
  assert.deepEqual(await ready(state), {
    status: 200,
    body: {
      status: 'ok',
      config: 'stale',
      stale_since: '2026-01-02T03:04:05.000Z',
      stale_reason: 'etcd (x) is unavailable',
    },
  });
  const notReady = await ready(state, 1);
  assert.equal(notReady.status, 503);
  assert.equal((notReady.body as { config: string }).config, 'stale');
});
