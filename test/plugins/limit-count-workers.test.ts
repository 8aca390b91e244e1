/**
 * limit-count's local policy is exact across the workers of a node: the counters live in the
 * primary's quotas, not in each worker. Requests go concurrently on fresh connections, so the
 * workers race for the same counter.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTestGateway } from './lib/gateway.js';

const gw = useTestGateway({ workers: 4 });

void describe('limit-count local policy with four workers', () => {
  void test('admits exactly count of 30 concurrent requests on fresh connections', async () => {
    await gw.put('/routes/lc-workers', {
      uri: '/lc-workers',
      plugins: { 'limit-count': { count: 10, time_window: 60 } },
      upstream: gw.upstream,
    });
    const replies = await Promise.all(Array.from({ length: 30 }, () => gw.request('/lc-workers')));
    const statuses = replies.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 10, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 503).length, 20, statuses.join(','));
    const remaining = replies
      .filter((r) => r.status === 200)
      .map((r) => Number(r.headers['x-ratelimit-remaining']))
      .sort((a, b) => a - b);
    assert.deepEqual(
      remaining,
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      'each admitted request saw its own count',
    );
  });

  void test('a group is one counter for every worker and every route in it', async () => {
    for (const id of ['lc-wg1', 'lc-wg2']) {
      await gw.put(`/routes/${id}`, {
        uri: `/${id}`,
        plugins: { 'limit-count': { count: 6, time_window: 60, group: 'lc-workers-group' } },
        upstream: gw.upstream,
      });
    }
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => gw.request(i % 2 === 0 ? '/lc-wg1' : '/lc-wg2')),
    );
    assert.equal(replies.filter((r) => r.status === 200).length, 6);
  });

  void test('a busy window leased out to the workers still admits exactly count', async () => {
    // 600 of 900: large enough that workers hold units in advance, so the last ones admitted
    // come from leases called back by the primary.
    await gw.put('/routes/lc-lease', {
      uri: '/lc-lease',
      plugins: { 'limit-count': { count: 600, time_window: 60 } },
      upstream: gw.upstream,
    });
    const statuses: number[] = [];
    for (let wave = 0; wave < 9; wave++) {
      const replies = await Promise.all(Array.from({ length: 100 }, () => gw.request('/lc-lease')));
      statuses.push(...replies.map((r) => r.status));
    }
    assert.equal(statuses.filter((s) => s === 200).length, 600);
    assert.equal(statuses.filter((s) => s === 503).length, 300);
    assert.deepEqual(statuses.slice(0, 600), Array<number>(600).fill(200), 'none refused early');
  });
});
