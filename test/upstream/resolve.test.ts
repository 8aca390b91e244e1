import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DnsCache, hasDomain, resolveNodes } from '../../src/upstream/resolve.js';
import { normaliseNodes } from '../../src/upstream/nodes.js';

type Answer = { address: string; family: number };

function fakeLookup(table: Record<string, Answer[]>) {
  const calls: string[] = [];
  const lookup = (host: string): Promise<Answer[]> => {
    calls.push(host);
    const answer = table[host];
    return answer === undefined
      ? Promise.reject(new Error(`ENOTFOUND ${host}`))
      : Promise.resolve(answer);
  };
  return { calls, lookup };
}

void describe('resolveNodes', () => {
  void test('resolves localhost through the system resolver (/etc/hosts), IPv4 first, keeping the domain', async () => {
    const nodes = normaliseNodes({ 'localhost:8080': 3, '127.0.0.2:81': 1, '[::1]:82': 1 });
    const resolved = await resolveNodes(nodes, new DnsCache());
    assert.deepEqual(resolved, [
      {
        host: '127.0.0.1',
        port: 8080,
        weight: 3,
        priority: 0,
        key: '127.0.0.1:8080',
        domain: 'localhost',
      },
      nodes[1],
      nodes[2],
    ]);
  });

  void test('prefers IPv4 and uses IPv6 only when enabled', async () => {
    const { lookup } = fakeLookup({
      both: [
        { address: '::2', family: 6 },
        { address: '10.0.0.9', family: 4 },
      ],
      v6only: [{ address: '::3', family: 6 }],
    });
    const nodes = normaliseNodes({ both: 1, v6only: 1 });
    const withV6 = await resolveNodes(nodes, new DnsCache({ lookup }));
    assert.deepEqual(
      withV6.map((n) => n.key),
      ['10.0.0.9:80', '[::3]:80'],
    );
    const errors: string[] = [];
    const noV6 = await resolveNodes(nodes, new DnsCache({ lookup, ipv6: false }), (host) =>
      errors.push(host),
    );
    assert.deepEqual(
      noV6.map((n) => n.key),
      ['10.0.0.9:80'],
    );
    assert.deepEqual(errors, ['v6only']);
  });

  void test('drops a node whose name does not resolve and reports it', async () => {
    const { lookup } = fakeLookup({ ok: [{ address: '10.0.0.1', family: 4 }] });
    const errors: string[] = [];
    const out = await resolveNodes(
      normaliseNodes({ ok: 1, missing: 1 }),
      new DnsCache({ lookup }),
      (h) => errors.push(h),
    );
    assert.deepEqual(
      out.map((n) => n.domain),
      ['ok'],
    );
    assert.deepEqual(errors, ['missing']);
  });

  void test('hasDomain says whether resolution is needed at all', () => {
    assert.equal(hasDomain(normaliseNodes({ '10.0.0.1': 1, '[::1]': 1 })), false);
    assert.equal(hasDomain(normaliseNodes({ localhost: 1 })), true);
  });
});

void describe('DnsCache', () => {
  void test('answers from the cache until the TTL passes, then looks up again', async () => {
    let now = 0;
    const { lookup, calls } = fakeLookup({ a: [{ address: '10.0.0.1', family: 4 }] });
    const cache = new DnsCache({ lookup, ttlMs: 1000, now: () => now });
    assert.equal(await cache.resolve('a'), '10.0.0.1');
    now = 999;
    await cache.resolve('a');
    assert.equal(calls.length, 1);
    now = 1000;
    await cache.resolve('a');
    assert.equal(calls.length, 2);
  });

  void test('shares one lookup between concurrent callers', async () => {
    const { lookup, calls } = fakeLookup({ a: [{ address: '10.0.0.1', family: 4 }] });
    const cache = new DnsCache({ lookup });
    await Promise.all([cache.resolve('a'), cache.resolve('a'), cache.resolve('a')]);
    assert.equal(calls.length, 1);
  });

  void test('keeps an expired answer when the new lookup fails', async () => {
    let now = 0;
    const table: Record<string, Answer[]> = { a: [{ address: '10.0.0.1', family: 4 }] };
    const { lookup } = fakeLookup(table);
    const cache = new DnsCache({ lookup, ttlMs: 10, now: () => now });
    await cache.resolve('a');
    delete table.a;
    now = 100;
    assert.equal(await cache.resolve('a'), '10.0.0.1');
  });

  void test('gives up after resolver_timeout', async () => {
    // The slow answer arrives after the timeout; its timer also keeps the test process alive,
    // since the resolver's own timer is unref'd so as not to hold a stopping gateway.
    const slow = () => new Promise<Answer[]>((done) => setTimeout(() => done([]), 200));
    const cache = new DnsCache({ lookup: slow, timeoutMs: 20 });
    await assert.rejects(cache.resolve('slow'), /timed out after 20 ms/);
  });
});
