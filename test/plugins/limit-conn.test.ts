/**
 * limit-conn over real traffic, through a gateway of three workers, against an upstream that
 * holds every request until the test releases it: concurrent requests are really in flight
 * together, on fresh connections spread over the workers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { useTestGateway } from './lib/gateway.js';
import { expectRefused } from './lib/placements.js';

/** An upstream that answers only when released. */
class SlowUpstream {
  readonly #held: ServerResponse[] = [];
  /** Requests the gateway gave up on while they were held. */
  #dropped = 0;
  #waiters: Array<() => void> = [];
  readonly #server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      this.#held.push(res);
      res.on('close', () => {
        const at = this.#held.indexOf(res);
        if (at < 0) return; // released
        this.#held.splice(at, 1);
        this.#dropped++;
        this.#wake();
      });
      this.#wake();
    });
  });

  get held(): number {
    return this.#held.length;
  }

  async listen(): Promise<Record<string, unknown>> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    return { type: 'roundrobin', nodes: { [`127.0.0.1:${port}`]: 1 } };
  }

  /** Resolves once `n` requests are held. */
  holding(n: number): Promise<void> {
    return this.#until(() => this.#held.length >= n);
  }

  /** Resolves once the gateway has given up on `n` held requests in all. */
  dropped(n: number): Promise<void> {
    return this.#until(() => this.#dropped >= n);
  }

  async #until(done: () => boolean): Promise<void> {
    while (!done()) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  releaseAll(): void {
    for (const res of this.#held.splice(0)) {
      res.writeHead(200, { 'x-upstream': 'slow' });
      res.end('released');
    }
  }

  close(): Promise<void> {
    this.releaseAll();
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

const gw = useTestGateway({ workers: 3 });
const slow = new SlowUpstream();
let upstream: Record<string, unknown>;

before(async () => {
  upstream = await slow.listen();
});

after(async () => {
  await slow.close();
});

const limit = (more: Record<string, unknown> = {}) => ({
  'limit-conn': { conn: 1, burst: 0, default_conn_delay: 0.1, key: 'remote_addr', ...more },
});

interface Reply {
  status: number;
  body: string;
}

/**
 * A request with `Connection: close` that resolves when the gateway closes the connection, not
 * when the response ends: the gateway closes only after its log phase ran, so the slot the
 * request held is given back by then (the response itself may reach the client just before).
 */
function call(path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = connect(gw.ports.http, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const split = text.indexOf('\r\n\r\n');
      resolve({ status: Number(text.split(' ', 2)[1]), body: text.slice(split + 4) });
    });
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n${lines.join('')}\r\n`,
    );
  });
}

/** The first `n` replies of a set of requests in flight. */
function firstReplies(replies: Array<Promise<Reply>>, n: number): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const done: Reply[] = [];
    for (const reply of replies) {
      reply.then((r) => {
        done.push(r);
        if (done.length === n) resolve([...done]);
      }, reject);
    }
  });
}

/**
 * Sends `total` requests at once and checks that exactly `admitted` reach the upstream together
 * while the others are answered at once; then releases them. Returns the rejections.
 */
async function squeeze(
  path: string,
  total: number,
  admitted: number,
  headers: Record<string, string> = {},
): Promise<Reply[]> {
  const replies = Array.from({ length: total }, () => call(path, headers));
  const rejected = total > admitted ? await firstReplies(replies, total - admitted) : [];
  await slow.holding(admitted);
  assert.equal(slow.held, admitted, 'requests let through to the upstream');
  slow.releaseAll();
  const passed = (await Promise.all(replies)).filter((r) => !rejected.includes(r));
  assert.deepEqual(
    passed.map((r) => r.status),
    passed.map(() => 200),
  );
  return rejected;
}

const TIMEOUT = { timeout: 30_000 };

void describe('limit-conn', () => {
  void test('admits conn concurrent requests and answers 503 to the rest', TIMEOUT, async () => {
    await gw.put('/routes/conn', { uri: '/conn', plugins: limit({ conn: 2 }), upstream });
    const rejected = await squeeze('/conn', 5, 2);
    for (const r of rejected) {
      assert.equal(r.status, 503);
      assert.match(r.body, /503 Service Temporarily Unavailable/);
    }
  });

  void test(
    'gives the slots back when requests finish, so the next ones pass',
    TIMEOUT,
    async () => {
      await gw.put('/routes/again', { uri: '/again', plugins: limit({ conn: 2 }), upstream });
      await squeeze('/again', 3, 2);
      await squeeze('/again', 2, 2);
      await squeeze('/again', 2, 2);
    },
  );

  void test('rejects with rejected_code and {"error_msg": rejected_msg}', TIMEOUT, async () => {
    await gw.put('/routes/msg', {
      uri: '/msg',
      plugins: limit({ rejected_code: 429, rejected_msg: 'Too many connections' }),
      upstream,
    });
    const [rejected] = await squeeze('/msg', 2, 1);
    assert.equal(rejected?.status, 429);
    assert.equal(rejected?.body, '{"error_msg":"Too many connections"}\n');
  });

  void test(
    'lets burst requests through after a delay, and rejects beyond conn + burst',
    TIMEOUT,
    async () => {
      await gw.put('/routes/burst', { uri: '/burst', plugins: limit({ burst: 1 }), upstream });
      const rejected = await squeeze('/burst', 3, 2);
      assert.deepEqual(
        rejected.map((r) => r.status),
        [503],
      );
    },
  );

  void test('gives the slot back when the client goes away', TIMEOUT, async () => {
    await gw.put('/routes/gone', { uri: '/gone', plugins: limit(), upstream });
    const socket = connect(gw.ports.http, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET /gone HTTP/1.1\r\nHost: test\r\n\r\n');
    await slow.holding(1);
    socket.destroy();
    await slow.dropped(1);
    await squeeze('/gone', 2, 1);
  });

  void test(
    'serves the requests pipelined on one connection one at a time: conn 1 admits them all',
    TIMEOUT,
    async () => {
      await gw.put('/routes/piped', { uri: '/piped', plugins: limit(), upstream: gw.upstream });
      const get = 'GET /piped HTTP/1.1\r\nHost: test\r\n\r\n';
      const last = 'GET /piped HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n';
      const text = await new Promise<string>((resolve, reject) => {
        const socket = connect(gw.ports.http, '127.0.0.1');
        let read = '';
        socket.on('data', (c: Buffer) => (read += c.toString('latin1')));
        socket.on('error', reject);
        socket.on('end', () => resolve(read));
        socket.write(get + get + last);
      });
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      assert.deepEqual(statuses, [200, 200, 200]);
    },
  );

  void test('counts per key value', TIMEOUT, async () => {
    await gw.put('/routes/per-user', {
      uri: '/per-user',
      plugins: limit({ key: 'http_x_user' }),
      upstream,
    });
    const a = call('/per-user', { 'x-user': 'a' });
    const b = call('/per-user', { 'x-user': 'b' });
    await slow.holding(2);
    assert.equal((await call('/per-user', { 'x-user': 'a' })).status, 503);
    slow.releaseAll();
    assert.deepEqual([(await a).status, (await b).status], [200, 200]);
  });

  void test('limits the routes of a service that configures it', TIMEOUT, async () => {
    await gw.put('/services/lc', { plugins: limit(), upstream });
    await gw.put('/routes/svc', { uri: '/svc', service_id: 'lc' });
    assert.equal((await squeeze('/svc', 3, 1)).length, 2);
    assert.equal((await squeeze('/svc', 2, 1)).length, 1, 'the slot was given back');
  });

  void test('limits the routes of a plugin_config that configures it', TIMEOUT, async () => {
    await gw.put('/plugin_configs/lc', { plugins: limit() });
    await gw.put('/routes/pc', { uri: '/pc', plugin_config_id: 'lc', upstream });
    assert.equal((await squeeze('/pc', 3, 1)).length, 2);
    assert.equal((await squeeze('/pc', 2, 1)).length, 1, 'the slot was given back');
  });

  void test(
    'limits every route from a global rule, and gives its slots back',
    TIMEOUT,
    async () => {
      await gw.put('/routes/plain', { uri: '/plain', upstream });
      await squeeze('/plain', 2, 2);
      await gw.put('/global_rules/lc', { plugins: limit() });
      try {
        assert.equal((await squeeze('/plain', 3, 1)).length, 2);
        await squeeze('/plain', 2, 1);
      } finally {
        await gw.delete('/global_rules/lc');
      }
      await squeeze('/plain', 2, 2);
    },
  );

  void test('refuses invalid confs through the Admin API with 400 and the schema error', async () => {
    const base = { conn: 1, burst: 0, default_conn_delay: 0.1, key: 'remote_addr' };
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { conn: 1, default_conn_delay: 0.1, key: 'remote_addr' },
        'value should match only one schema, but matches none',
      ],
      [
        { ...base, conn: 1.5 },
        'property "conn" validation failed: value should match only one schema, but matches none',
      ],
      [
        { ...base, default_conn_delay: 0 },
        'property "default_conn_delay" validation failed: expected 0 to be greater than 0',
      ],
      [
        { ...base, rules: [{ conn: 1, burst: 0, key: '$remote_addr' }] },
        'value should match only one schema, but matches both schemas 1 and 2',
      ],
      [
        { ...base, rejected_msg: '' },
        'property "rejected_msg" validation failed: string too short, expected at least 1, got 0',
      ],
      [
        { ...base, allow_degradation: 'true' },
        'property "allow_degradation" validation failed: wrong type: expected boolean, got string',
      ],
      [
        { ...base, policy: 'redis-cluster' },
        'policy "redis-cluster" is not supported: Gatehouse limits with the "local" policy only',
      ],
    ];
    await expectRefused(gw, 'limit-conn', cases);
  });

  // key-auth is written by another engineer at the same time: this test goes last.
  void test(
    'limits a consumer once key-auth identified it, and not other consumers',
    TIMEOUT,
    async () => {
      await gw.put('/consumers', {
        username: 'jack',
        plugins: { 'key-auth': { key: 'jack-key' }, ...limit() },
      });
      await gw.put('/consumers', {
        username: 'rose',
        plugins: { 'key-auth': { key: 'rose-key' } },
      });
      await gw.put('/routes/auth', { uri: '/auth', plugins: { 'key-auth': {} }, upstream });
      assert.equal((await squeeze('/auth', 3, 1, { apikey: 'jack-key' })).length, 2);
      assert.equal((await squeeze('/auth', 2, 1, { apikey: 'jack-key' })).length, 1);
      await squeeze('/auth', 3, 3, { apikey: 'rose-key' });
    },
  );
});
