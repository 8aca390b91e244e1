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
import { connect, type Socket } from 'node:net';
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

/**
 * One kept-alive connection written to and read from by hand: node:http's client cost ~0.7 ms of
 * CPU per write here (fetch() ~1.8 ms), 4-5 % of the core this process shares with wrk and the
 * upstream, which is the benchmark measuring its own load generator. Requests go one at a time
 * (a write due while one is in flight waits for it); a response is its head plus Content-Length.
 */
class RawConnection {
  #socket: Socket | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #waiting: { resolve(status: number): void; reject(e: Error): void } | undefined;
  #queue: (() => void)[] = [];

  constructor(private readonly port: number) {}

  put(path: string, body: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const send = () => {
        this.#waiting = { resolve, reject };
        this.#connected().write(
          `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-KEY: ${KEY}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      };
      if (this.#waiting === undefined) send();
      else this.#queue.push(send);
    });
  }

  #connected(): Socket {
    if (this.#socket !== undefined) return this.#socket;
    const socket = connect(this.port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#drain();
    });
    const fail = (e: Error) => {
      this.#socket = undefined;
      this.#buffer = Buffer.alloc(0);
      const w = this.#waiting;
      this.#waiting = undefined;
      w?.reject(e);
      this.#queue.shift()?.();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
    this.#socket = socket;
    return socket;
  }

  /** Completes the request in flight once its whole response is buffered. */
  #drain(): void {
    const end = this.#buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.#buffer.subarray(0, end).toString('latin1');
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.#buffer.length < end + 4 + length) return;
    this.#buffer = this.#buffer.subarray(end + 4 + length);
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.resolve(Number(head.slice(9, 12)));
    this.#queue.shift()?.();
  }
}

let connection: RawConnection | undefined;
function put(port: number, path: string, body: string): Promise<number> {
  connection ??= new RawConnection(port);
  return connection.put(path, body);
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
