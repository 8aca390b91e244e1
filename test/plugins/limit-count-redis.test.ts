/**
 * limit-count with its counters in Redis, over real traffic: two gateway nodes sharing one Redis
 * count together, a 3-master Redis Cluster and a Sentinel-watched Redis work as backends, and a
 * Redis that is down either fails the request (500) or, with allow_degradation, lets it through.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../support/plugin-gateway.js';
import {
  redisSuite,
  startRedis,
  startRedisCluster,
  startRedisSentinel,
  type RedisCluster,
  type RedisServer,
} from '../support/redis.js';

redisSuite('limit-count on Redis', () => {
  let redis: RedisServer;
  let a: TestGateway;
  let b: TestGateway;

  before(async () => {
    redis = await startRedis();
    a = await startTestGateway({ workers: 2 });
    b = await startTestGateway({ workers: 2 });
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  /** The same route on both nodes. */
  async function putBoth(id: string, conf: Record<string, unknown>): Promise<void> {
    for (const gw of [a, b]) {
      await gw.put(`/routes/${id}`, {
        uri: `/${id}`,
        plugins: { 'limit-count': { time_window: 60, ...conf } },
        upstream: gw.upstream,
      });
    }
  }

  /** The first status other than 500 within 10 s: Redis came back, a worker reconnects. */
  async function firstNot500(gw: TestGateway, path: string): Promise<number> {
    const deadline = Date.now() + 10_000;
    let status = 500;
    while (status === 500 && Date.now() < deadline) status = (await gw.request(path)).status;
    return status;
  }

  const redisConf = () => ({ policy: 'redis', redis_host: redis.host, redis_port: redis.port });

  void test('two nodes sharing one Redis admit exactly count requests between them', async () => {
    await putBoth('lcr-shared', { count: 5, ...redisConf() });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const gw = i % 2 === 0 ? a : b;
      statuses.push((await gw.request('/lcr-shared')).status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 503, 503, 503, 503, 503, 503, 503]);
  });

  void test('counts concurrent requests on both nodes exactly', async () => {
    await putBoth('lcr-race', { count: 10, ...redisConf() });
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).request('/lcr-race')),
    );
    assert.equal(replies.filter((r) => r.status === 200).length, 10);
  });

  void test('sends the quota headers and keeps the count in Redis under APISIX key names', async () => {
    await putBoth('lcr-headers', { count: 3, ...redisConf() });
    const first = await a.request('/lcr-headers');
    assert.equal(first.headers['x-ratelimit-limit'], '3');
    assert.equal(first.headers['x-ratelimit-remaining'], '2');
    assert.equal(first.headers['x-ratelimit-reset'], '60');
    const second = await b.request('/lcr-headers');
    assert.equal(second.headers['x-ratelimit-remaining'], '1');
    const keys = (await redis.command(
      'KEYS',
      'plugin-limit-count:v1:*routes/lcr-headers:*',
    )) as string[];
    assert.equal(keys.length, 1);
    assert.equal(await redis.command('GET', keys[0] as string), '2');
    const ttl = Number(await redis.command('PTTL', keys[0] as string));
    assert.ok(ttl > 0 && ttl <= 60_000, `window expiry ${ttl} ms`);
  });

  void test('uses redis_database and the password', async () => {
    const secured = await startRedis({ password: 's3cret' });
    await a.put('/routes/lcr-auth', {
      uri: '/lcr-auth',
      plugins: {
        'limit-count': {
          count: 1,
          time_window: 60,
          policy: 'redis',
          redis_host: secured.host,
          redis_port: secured.port,
          redis_password: 's3cret',
          redis_database: 2,
        },
      },
      upstream: a.upstream,
    });
    assert.equal((await a.request('/lcr-auth')).status, 200);
    assert.equal((await a.request('/lcr-auth')).status, 503);
    const inDb2 = "redis.call('SELECT', 2) return redis.call('DBSIZE')";
    assert.equal(await secured.command('EVAL', inDb2, 0), 1, 'the counter is in database 2');
    assert.equal(await secured.command('DBSIZE'), 0, 'and not in database 0');
  });

  void test('a Redis that is down fails the request with 500, or lets it through with allow_degradation', async () => {
    const doomed = await startRedis();
    const conf = { count: 1, policy: 'redis', redis_host: doomed.host, redis_port: doomed.port };
    await a.put('/routes/lcr-strict', {
      uri: '/lcr-strict',
      plugins: { 'limit-count': { time_window: 60, ...conf } },
      upstream: a.upstream,
    });
    await a.put('/routes/lcr-lenient', {
      uri: '/lcr-lenient',
      plugins: { 'limit-count': { time_window: 60, allow_degradation: true, ...conf } },
      upstream: a.upstream,
    });
    assert.equal((await a.request('/lcr-strict')).status, 200, 'Redis up: counted');
    await doomed.stop();
    const strict = await a.request('/lcr-strict');
    assert.equal(strict.status, 500);
    assert.equal(strict.body, '{"error_msg":"failed to limit count"}\n');
    const lenient = [await a.request('/lcr-lenient'), await a.request('/lcr-lenient')];
    assert.deepEqual(
      lenient.map((r) => r.status),
      [200, 200],
    );
    assert.equal(lenient[0]?.headers['x-ratelimit-limit'], undefined, 'nothing counted');
    await doomed.start();
    await a.put('/routes/lcr-back', {
      uri: '/lcr-back',
      plugins: { 'limit-count': { time_window: 60, ...conf } },
      upstream: a.upstream,
    });
    // Requests fail at once until a worker's client has reconnected (within 200 ms).
    assert.equal(await firstNot500(a, '/lcr-back'), 200, 'Redis back: counted again');
    assert.equal(await firstNot500(a, '/lcr-back'), 503);
  });

  void test('redis-cluster: two nodes sharing a 3-master cluster admit exactly count', async () => {
    const cluster: RedisCluster = await startRedisCluster(3);
    const conf = {
      policy: 'redis-cluster',
      redis_cluster_nodes: cluster.nodes,
      redis_cluster_name: 'lc-test-cluster',
    };
    // Many keys, so the counters spread over the masters' slots.
    await putBoth('lcr-cluster', { count: 2, key: 'http_x_user', ...conf });
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const reply = await (i % 2 === 0 ? a : b).request('/lcr-cluster', {
          headers: { 'x-user': user },
        });
        statuses.push(reply.status);
      }
      assert.deepEqual(statuses, [200, 200, 503, 503], `user ${user}`);
    }
    const perMaster = await Promise.all(cluster.masters.map((m) => m.command('DBSIZE')));
    assert.equal(
      perMaster.reduce((sum: number, n) => sum + Number(n), 0),
      6,
      'one counter per user in the cluster',
    );
  });

  void test('redis-sentinel: counts on the master the sentinel names', async () => {
    const master = await startRedis();
    const sentinel = await startRedisSentinel(master, 'lcmaster');
    await putBoth('lcr-sentinel', {
      count: 2,
      policy: 'redis-sentinel',
      redis_sentinels: [{ host: sentinel.host, port: sentinel.port }],
      redis_master_name: 'lcmaster',
    });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await (i % 2 === 0 ? a : b).request('/lcr-sentinel')).status);
    assert.deepEqual(statuses, [200, 200, 503, 503]);
    assert.equal(Number(await master.command('DBSIZE')), 1);
  });
});
