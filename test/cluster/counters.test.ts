import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CounterClient, CounterHost, CounterTable } from '../../src/cluster/counters.js';

void describe('CounterTable', () => {
  void test('a window keeps its first expiry; an expired key starts from zero again', () => {
    const t = new CounterTable();
    assert.deepEqual(t.incr('k', 1, 100, 1000), { value: 1, expiresAt: 1100 });
    assert.deepEqual(t.incr('k', 2, 500, 1050), { value: 3, expiresAt: 1100 });
    assert.deepEqual(t.incr('k', 1, 100, 1100), { value: 1, expiresAt: 1200 });
  });

  void test('sweeps expired keys, keeps keys without expiry', () => {
    const t = new CounterTable();
    t.incr('a', 1, 10, 0);
    t.incr('b', 1, 0, 0);
    t.sweep(50);
    assert.equal(t.size, 1);
  });
});

void describe('CounterClient outside a cluster worker', () => {
  void test('counts in its own memory, namespaced per plugin', async () => {
    const client = new CounterClient(undefined);
    const a = client.namespace('a');
    assert.equal((await a.incr('k', 1, 1000)).value, 1);
    assert.equal((await a.incr('k', 1, 1000)).value, 2);
    assert.equal((await client.namespace('b').incr('k', 5)).value, 5);
  });
});

void describe('CounterHost and its clients over the socket', () => {
  void test('increments from several clients at once are all counted, in one table', async () => {
    const host = await CounterHost.listen(path.join(tmpdir(), `gh-counters-${process.pid}.sock`));
    try {
      const clients = [1, 2, 3].map(() => new CounterClient(host.path));
      const all = await Promise.all(
        clients.flatMap((c) => Array.from({ length: 200 }, () => c.incr('k', 1, 60_000))),
      );
      assert.equal(Math.max(...all.map((r) => r.value)), 600);
      assert.deepEqual(
        new Set(all.map((r) => r.value)).size,
        600,
        'every increment saw its own value',
      );
      for (const c of clients) c.close();
    } finally {
      host.close();
    }
  });

  void test('an increment fails (and the plugin can degrade) when the primary is gone', async () => {
    const file = path.join(tmpdir(), `gh-counters-gone-${process.pid}.sock`);
    const client = new CounterClient(file);
    await assert.rejects(client.incr('k', 1, 1000));
    client.close();
  });
});
