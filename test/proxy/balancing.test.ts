import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { echoUpstream, gateway, json, send, type Gateway, type Listening } from './helpers.js';

let gw: Gateway;
let a: Listening;
let b: Listening;

before(async () => {
  gw = await gateway();
  a = await echoUpstream('a');
  b = await echoUpstream('b');
});

after(async () => {
  await Promise.all([gw.close(), a.close(), b.close()]);
});

async function names(
  path: string,
  n: number,
  headers: Record<string, string> = {},
): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++)
    out.push(json(await send(`${gw.url}${path}`, { headers })).name as string);
  return out;
}

void test('roundrobin spreads requests by weight through the proxy', async () => {
  gw.feed.put('routes/rr', {
    uri: '/rr',
    upstream: { nodes: { [`127.0.0.1:${a.port}`]: 3, [`127.0.0.1:${b.port}`]: 1 } },
  });
  const got = await names('/rr', 40);
  assert.equal(got.filter((n) => n === 'a').length, 30);
  assert.equal(got.filter((n) => n === 'b').length, 10);
});

void test('chash on a header keeps one client on one node', async () => {
  gw.feed.put('routes/ch', {
    uri: '/ch',
    upstream: {
      type: 'chash',
      hash_on: 'header',
      key: 'X-User',
      nodes: { [`127.0.0.1:${a.port}`]: 1, [`127.0.0.1:${b.port}`]: 1 },
    },
  });
  const seen = new Set<string>();
  // 32 users: the node addresses carry random ports, so the ring differs per run;
  // with 32 keys the chance that every one lands on the same node is about 2^-31.
  for (let i = 0; i < 32; i++) {
    const user = `user-${i}`;
    const got = new Set(await names('/ch', 3, { 'X-User': user }));
    assert.equal(got.size, 1, `user ${user} moved between nodes`);
    seen.add([...got][0]!);
  }
  assert.equal(seen.size, 2, 'every user hashed onto one node');
});

void test('weight 0 nodes are never picked', async () => {
  gw.feed.put('routes/w0', {
    uri: '/w0',
    upstream: { nodes: { [`127.0.0.1:${a.port}`]: 0, [`127.0.0.1:${b.port}`]: 1 } },
  });
  assert.deepEqual(new Set(await names('/w0', 6)), new Set(['b']));
});

void test('an incremental change of one route keeps the other routes serving from their pools', async () => {
  gw.feed.put('routes/keep', { uri: '/keep', upstream: { nodes: { [`127.0.0.1:${a.port}`]: 1 } } });
  gw.feed.put('routes/change', {
    uri: '/change',
    upstream: { nodes: { [`127.0.0.1:${a.port}`]: 1 } },
  });
  await names('/keep', 1);
  const kept = gw.feed.state.resolved('keep')?.upstream;
  gw.feed.put('routes/change', {
    uri: '/change',
    upstream: { nodes: { [`127.0.0.1:${b.port}`]: 1 } },
  });
  assert.equal(gw.feed.state.resolved('keep')?.upstream, kept);
  assert.deepEqual(await names('/change', 2), ['b', 'b']);
  assert.deepEqual(await names('/keep', 2), ['a', 'a']);
});
