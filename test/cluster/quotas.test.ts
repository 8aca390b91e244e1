import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QuotaClient } from '../../src/cluster/quota-client.js';
import { QuotaHost } from '../../src/cluster/quota-host.js';
import {
  QuotaTable,
  type Grant,
  type GrantRequest,
  type Holder,
} from '../../src/cluster/quota-table.js';
import type { QuotaTake } from '../../src/plugin/types.js';

/** A holder that records recalls. */
function holder(): Holder & { recalls: string[] } {
  const recalls: string[] = [];
  return { recalls, recall: (key) => void recalls.push(key) };
}

function ask(
  table: QuotaTable,
  from: Holder,
  now: number,
  over: Partial<GrantRequest> = {},
): { grant: Grant | undefined; later: Grant[] } {
  const later: Grant[] = [];
  const req: GrantRequest = {
    key: 'k',
    n: 1,
    cost: 1,
    limit: 10,
    windowMs: 1000,
    want: 0,
    from,
    done: (g) => void later.push(g),
    ...over,
  };
  return { grant: table.grant(req, now), later };
}

void describe('QuotaTable', () => {
  void test('a window admits up to its limit, refuses the rest, and opens anew once it ends', () => {
    const t = new QuotaTable();
    const h = holder();
    const first = ask(t, h, 1000, { n: 4 }).grant!;
    assert.deepEqual(first, { admitted: 4, extra: 0, remaining: 6, expiresAt: 2000, first: true });
    assert.deepEqual(ask(t, h, 1500, { n: 8 }).grant, {
      admitted: 6,
      extra: 0,
      remaining: 0,
      expiresAt: 2000,
      first: false,
    });
    assert.equal(ask(t, h, 1999).grant!.admitted, 0);
    assert.deepEqual(ask(t, h, 2000).grant, {
      admitted: 1,
      extra: 0,
      remaining: 9,
      expiresAt: 3000,
      first: true,
    });
  });

  void test('a lease asked ahead of need opens no window: the next request does, and reports it whole', () => {
    const t = new QuotaTable();
    const h = holder();
    assert.deepEqual(ask(t, h, 1000, { n: 0, want: 64, limit: 1000 }).grant, {
      admitted: 0,
      extra: 0,
      remaining: 1000,
      expiresAt: 1000,
      first: false,
    });
    assert.equal(t.size, 0);
    const opened = ask(t, h, 1300, { n: 1, want: 64, limit: 1000 }).grant!;
    assert.equal(opened.first, true);
    assert.equal(opened.expiresAt, 2300);
    assert.equal(ask(t, h, 1400, { n: 0, want: 64, limit: 1000 }).grant!.extra > 0, true);
  });

  void test('leases extra units only while the window has plenty left, split between workers', () => {
    const t = new QuotaTable();
    t.workers = 2;
    const h = holder();
    const big = ask(t, h, 0, { limit: 10_000, want: 256 }).grant!;
    assert.equal(big.admitted, 1);
    assert.equal(big.extra, 256);
    assert.equal(big.remaining, 10_000 - 257);
    // 20 left: a quarter of it split over two workers is 2 requests, not worth a lease.
    const small = ask(t, h, 0, { key: 's', limit: 21, want: 256 }).grant!;
    assert.deepEqual([small.admitted, small.extra, small.remaining], [1, 0, 20]);
  });

  void test('before refusing, every lease is recalled; the returned units admit the waiting requests', () => {
    const t = new QuotaTable();
    const a = holder();
    const b = holder();
    const leased = ask(t, a, 0, { limit: 100, want: 256 }).grant!;
    assert.ok(leased.extra > 0);
    const rest = 100 - 1 - leased.extra;
    assert.equal(ask(t, b, 1, { limit: 100, n: rest }).grant!.admitted, rest);
    // b wants 3 more: all that is left is a's lease.
    const asked = ask(t, b, 2, { limit: 100, n: 3 });
    assert.equal(asked.grant, undefined, 'waits for the recall');
    assert.deepEqual(a.recalls, ['k']);
    // Meanwhile another request queues behind the recall.
    const queued = ask(t, b, 3, { limit: 100 });
    assert.equal(queued.grant, undefined);
    t.returned('k', leased.expiresAt, 2, a); // a spent all but 2
    assert.equal(asked.later[0]!.admitted, 2);
    assert.equal(queued.later[0]!.admitted, 0, 'and now the window is used up');
    assert.deepEqual(b.recalls, []);
  });

  void test('a holder that goes away counts as having spent its lease', () => {
    const t = new QuotaTable();
    const a = holder();
    const b = holder();
    const leased = ask(t, a, 0, { limit: 100, want: 256 }).grant!;
    ask(t, b, 0, { limit: 100, n: 100 - 1 - leased.extra });
    const asked = ask(t, b, 0, { limit: 100 });
    assert.equal(asked.grant, undefined);
    t.forget(a);
    assert.equal(asked.later[0]!.admitted, 0);
  });

  void test('ended windows are swept, unless a recall is still out', () => {
    const t = new QuotaTable();
    ask(t, holder(), 0, { key: 'a' });
    ask(t, holder(), 500, { key: 'b' });
    t.sweep(1200);
    assert.equal(t.size, 1);
  });
});

void describe('QuotaClient outside a cluster worker', () => {
  void test('counts in its own memory, synchronously, namespaced per plugin', () => {
    const client = new QuotaClient(undefined);
    const a = client.namespace('a');
    const takes = [1, 2, 3].map(() => a.take('', 'k', 1, 2, 1000) as QuotaTake);
    assert.deepEqual(
      takes.map((t) => [t.admitted, t.remaining, t.first]),
      [
        [true, 1, true],
        [true, 0, false],
        [false, 0, false],
      ],
    );
    assert.equal((client.namespace('b').take('', 'k', 1, 2, 1000) as QuotaTake).admitted, true);
  });
});

async function withHost(run: (host: QuotaHost) => Promise<void>): Promise<void> {
  const host = await QuotaHost.listen(
    path.join(tmpdir(), `gh-quotas-${process.pid}-${Math.random().toString(36).slice(2)}.sock`),
  );
  try {
    await run(host);
  } finally {
    host.close();
  }
}

/** `n` takes spread over `turns` event-loop turns, as requests arrive. */
async function takeMany(
  client: QuotaClient,
  n: number,
  turns: number,
  limit: number,
): Promise<QuotaTake[]> {
  const out: Promise<QuotaTake>[] = [];
  for (let turn = 0; turn < turns; turn++) {
    for (let i = 0; i < n / turns; i++) {
      out.push(Promise.resolve(client.take('k', 1, limit, 60_000)));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return Promise.all(out);
}

void describe('QuotaHost and its clients over the socket', () => {
  void test('three workers taking at once admit exactly the limit between them', () =>
    withHost(async (host) => {
      const clients = [1, 2, 3].map(() => new QuotaClient(host.path));
      const all = (await Promise.all(clients.map((c) => takeMany(c, 1000, 20, 1500)))).flat();
      assert.equal(all.filter((t) => t.admitted).length, 1500);
      for (const c of clients) c.close();
    }));

  void test('a worker holding a lease takes synchronously; its unspent units go to another worker before anyone is refused', () =>
    withHost(async (host) => {
      const a = new QuotaClient(host.path);
      const b = new QuotaClient(host.path);
      const first = await a.take('k', 1, 1000, 60_000);
      assert.equal(first.admitted, true);
      const second = a.take('k', 1, 1000, 60_000);
      assert.ok(!(second instanceof Promise), 'served from the lease');
      assert.equal(second.admitted, true);
      // b takes far more than is left: it gets everything but a's two takes.
      const bs = await takeMany(b, 1200, 12, 1000);
      assert.equal(bs.filter((t) => t.admitted).length, 998);
      const after = a.take('k', 1, 1000, 60_000);
      assert.equal((await after).admitted, false, 'a gave its lease back');
      const refusedAgain = a.take('k', 1, 1000, 60_000);
      assert.ok(!(refusedAgain instanceof Promise), 'a used-up window is refused locally');
      assert.equal(refusedAgain.admitted, false);
      a.close();
      b.close();
    }));

  void test('a busy worker asks for its next lease ahead of need, so its takes stay synchronous', () =>
    withHost(async (host) => {
      const c = new QuotaClient(host.path);
      after(() => c.close());
      let sync = 0;
      const all: Promise<QuotaTake>[] = [];
      for (let turn = 0; turn < 200; turn++) {
        for (let i = 0; i < 10; i++) {
          const t = c.take('k', 1, 1_000_000, 60_000);
          if (!(t instanceof Promise)) sync++;
          all.push(Promise.resolve(t));
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok((await Promise.all(all)).every((t) => t.admitted));
      assert.ok(sync >= 1800, `${sync} of 2000 takes were synchronous`);
    }));

  void test('remaining counts down exactly with one worker, the first take reporting the whole window', () =>
    withHost(async (host) => {
      const c = new QuotaClient(host.path);
      const seen: [boolean, number, boolean][] = [];
      for (let i = 0; i < 7; i++) {
        const t = await c.take('k', 1, 5, 60_000);
        seen.push([t.admitted, t.remaining, t.first]);
      }
      assert.deepEqual(seen, [
        [true, 4, true],
        [true, 3, false],
        [true, 2, false],
        [true, 1, false],
        [true, 0, false],
        [false, 0, false],
        [false, 0, false],
      ]);
      c.close();
    }));

  void test('two splits of one whole key (space + key) count in one window', () =>
    withHost(async (host) => {
      const c = new QuotaClient(host.path);
      const ns = c.namespace('n');
      const seen: boolean[] = [];
      for (let i = 0; i < 6; i++) {
        // 'a:' + 'b:c' and 'a:b:' + 'c': the same counter, as when the id was one string.
        const t = await (i % 2 === 0
          ? ns.take('a:', 'b:c', 1, 4, 60_000)
          : ns.take('a:b:', 'c', 1, 4, 60_000));
        seen.push(t.admitted);
      }
      assert.deepEqual(seen, [true, true, true, true, false, false]);
      c.close();
    }));

  void test('a take fails (and the plugin can degrade) when the primary is gone', async () => {
    const client = new QuotaClient(path.join(tmpdir(), `gh-quotas-gone-${process.pid}.sock`));
    await assert.rejects(Promise.resolve(client.take('k', 1, 10, 1000)));
    client.close();
  });
});
