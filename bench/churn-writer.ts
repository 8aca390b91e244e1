/**
 * The churn benchmark's Admin API client, in a process of its own (forked by bench/churn.ts):
 * sharing the bench process's event loop with the upstream, each write's fetch() delayed the
 * upstream's answers to the gateway, which is the benchmark measuring itself. An Admin client
 * is another machine in real life; here it is at least another process, whose CPU is accounted
 * as its own column.
 *
 * Messages in: `{ start: { admin, upstreamPort, routes, perSecond, warmUp } }`, `{ stop: true }`.
 * Messages out: `{ pid }` once, then `{ writes, failed, writeMs }` after each stop.
 */
import { Agent, request } from 'node:http';
import { KEY, mixedRoute } from './route-scale-gateway.js';

interface Start {
  admin: number;
  upstreamPort: number;
  routes: number;
  perSecond: number;
  /** Sequential writes before answering, to load and compile undici and the JIT. */
  warmUp: number;
}

let seq = 0;
let timer: NodeJS.Timeout | undefined;
let writes = 0;
let failed = 0;
let writeMs: number[] = [];
let inFlight = new Set<Promise<void>>();

// node:http with one kept-alive connection: fetch() (undici) cost ~1.8 ms of CPU per write here,
// more than the gateway's primary spends on it, and this process shares a core with wrk.
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function put(port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'PUT',
        headers: {
          'X-API-KEY': KEY,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

function write(s: Start): Promise<void> {
  const i = 1 + ((seq * 7919) % (s.routes - 1));
  seq++;
  writes++;
  const t0 = performance.now();
  const done = put(
    s.admin,
    `/apisix/admin/routes/${i}`,
    JSON.stringify({ ...mixedRoute(i, s.upstreamPort), desc: `w${seq}` }),
  )
    .then((status) => {
      if (status >= 300) failed++;
      writeMs.push(performance.now() - t0);
    })
    .catch(() => {
      failed++;
    });
  inFlight.add(done);
  void done.then(() => inFlight.delete(done));
  return done;
}

process.on('message', (msg: { start?: Start; stop?: true }) => {
  if (msg.start !== undefined) {
    const s = msg.start;
    void (async () => {
      for (let w = 0; w < s.warmUp; w++) await write(s);
      writes = 0;
      failed = 0;
      writeMs = [];
      timer = setInterval(() => void write(s), 1000 / s.perSecond);
      process.send?.({ started: true });
    })();
  }
  if (msg.stop === true) {
    clearInterval(timer);
    void Promise.all([...inFlight]).then(() => {
      process.send?.({ writes, failed, writeMs });
      inFlight = new Set();
    });
  }
});
process.send?.({ pid: process.pid });
