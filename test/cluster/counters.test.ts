import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CounterClient, CounterTable } from '../../src/cluster/counters.js';

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
    const client = new CounterClient();
    const a = client.namespace('a');
    assert.equal((await a.incr('k', 1, 1000)).value, 1);
    assert.equal((await a.incr('k', 1, 1000)).value, 2);
    assert.equal((await client.namespace('b').incr('k', 5)).value, 5);
  });
});
