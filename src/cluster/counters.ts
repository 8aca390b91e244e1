import { existsSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SharedCounters } from '../plugin/types.js';

/**
 * Node-wide counters owned by the primary (DESIGN.md "Process model": the primary is the
 * node's privileged process). Each worker holds one Unix socket to the primary; the increments
 * a worker makes during one event-loop turn travel as one line of JSON and come back as one,
 * and the primary applies them in arrival order, so a count is exact across all workers. A
 * plain socket rather than `process.send`: node's IPC channel costs ~13 µs per message, a socket
 * write a few. Measured in bench/README.md "Plugin cost"; the price is one round trip of latency
 * on the requests that count.
 */

type Increment = [key: string, delta: number, ttlMs: number];
/** One line worker → primary: `[batchId, increments]`. */
type Batch = [id: number, increments: Increment[]];
/** One line primary → worker: `[batchId, [value, expiresAt, value, expiresAt, ...]]`. */
type Reply = [id: number, out: number[]];

/** The socket of the node whose primary has `pid`. */
export function counterSocketPath(pid: number): string {
  const dir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return path.join(dir, `gatehouse-${pid}.counters.sock`);
}

interface Entry {
  value: number;
  expiresAt: number;
}

/** The counters themselves: a map with expiry, swept now and then. */
export class CounterTable {
  readonly #entries = new Map<string, Entry>();

  incr(key: string, delta: number, ttlMs: number, now: number): Entry {
    let e = this.#entries.get(key);
    if (e === undefined || (e.expiresAt !== 0 && e.expiresAt <= now)) {
      e = { value: 0, expiresAt: ttlMs > 0 ? now + ttlMs : 0 };
      this.#entries.set(key, e);
    }
    e.value += delta;
    return e;
  }

  sweep(now: number): void {
    for (const [key, e] of this.#entries) {
      if (e.expiresAt !== 0 && e.expiresAt <= now) this.#entries.delete(key);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Splits a stream into lines and hands each complete one over. */
function onLines(socket: Socket, each: (line: string) => void): void {
  let rest = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl < 0) {
      rest += chunk;
      return;
    }
    each(rest + chunk.slice(0, nl));
    rest = '';
    start = nl + 1;
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      each(chunk.slice(start, nl));
      start = nl + 1;
    }
    rest = chunk.slice(start);
  });
}

/** Primary side: answers every worker's increments from one table. */
export class CounterHost {
  readonly table = new CounterTable();
  readonly path: string;
  readonly #server: Server;
  readonly #timer: NodeJS.Timeout;

  private constructor(file: string, server: Server, sweepMs: number) {
    this.path = file;
    this.#server = server;
    this.#timer = setInterval(() => this.table.sweep(Date.now()), sweepMs);
    this.#timer.unref();
  }

  static async listen(file: string, sweepMs = 10_000): Promise<CounterHost> {
    rmSync(file, { force: true });
    const server = createServer();
    const host = new CounterHost(file, server, sweepMs);
    server.on('connection', (socket) => host.#serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(file, () => resolve());
    });
    return host;
  }

  #serve(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    onLines(socket, (line) => {
      let batch: Batch;
      try {
        batch = JSON.parse(line) as Batch;
      } catch {
        socket.destroy();
        return;
      }
      const now = Date.now();
      const out: number[] = [];
      for (const [key, delta, ttlMs] of batch[1]) {
        const e = this.table.incr(key, delta, ttlMs, now);
        out.push(e.value, e.expiresAt);
      }
      socket.write(JSON.stringify([batch[0], out]) + '\n');
    });
  }

  close(): void {
    clearInterval(this.#timer);
    this.#server.close();
    rmSync(this.path, { force: true });
  }
}

interface Waiters {
  resolve: ((result: { value: number; expiresAt: number }) => void)[];
  reject: ((err: Error) => void)[];
}

/**
 * Worker side: batches the increments of one event-loop turn into one line. Without a socket
 * path (a process that is not a gateway worker: tests, tools) it counts in its own memory,
 * which is exact for that one process.
 */
export class CounterClient {
  readonly #path: string | undefined;
  readonly #local: CounterTable | undefined;
  readonly #pending = new Map<number, Waiters>();
  #socket: Socket | undefined;
  #batch: Increment[] = [];
  #waiters: Waiters = { resolve: [], reject: [] };
  #id = 0;
  readonly #flush = (): void => this.#send();

  constructor(socketPath: string | undefined) {
    this.#path = socketPath;
    this.#local = socketPath === undefined ? new CounterTable() : undefined;
  }

  incr(key: string, delta: number, ttlMs: number): Promise<{ value: number; expiresAt: number }> {
    if (this.#local !== undefined) {
      const e = this.#local.incr(key, delta, ttlMs, Date.now());
      return Promise.resolve({ value: e.value, expiresAt: e.expiresAt });
    }
    return new Promise((resolve, reject) => {
      if (this.#batch.length === 0) setImmediate(this.#flush);
      this.#batch.push([key, delta, ttlMs]);
      this.#waiters.resolve.push(resolve);
      this.#waiters.reject.push(reject);
    });
  }

  /** Counters of one plugin: keys namespaced by `name`. */
  namespace(name: string): SharedCounters {
    const prefix = `${name}\u0000`;
    return { incr: (key, delta, ttlMs) => this.incr(prefix + key, delta, ttlMs ?? 0) };
  }

  close(): void {
    this.#socket?.destroy();
  }

  #connect(): Socket {
    const socket = createConnection(this.#path!);
    socket.setNoDelay(true);
    socket.unref();
    onLines(socket, (line) => {
      const [id, out] = JSON.parse(line) as Reply;
      const waiters = this.#pending.get(id);
      if (waiters === undefined) return;
      this.#pending.delete(id);
      const resolve = waiters.resolve;
      for (let i = 0; i < resolve.length; i++) {
        resolve[i]!({ value: out[2 * i]!, expiresAt: out[2 * i + 1]! });
      }
    });
    const fail = (err: Error): void => {
      // Pending increments fail (the plugin answers 500 or degrades); the next one reconnects.
      if (this.#socket === socket) this.#socket = undefined;
      for (const waiters of this.#pending.values()) for (const r of waiters.reject) r(err);
      this.#pending.clear();
    };
    socket.on('error', fail);
    socket.on('close', () =>
      fail(new Error('node-wide counters: connection to the primary closed')),
    );
    return socket;
  }

  #send(): void {
    const id = ++this.#id;
    const line = JSON.stringify([id, this.#batch] satisfies Batch) + '\n';
    this.#pending.set(id, this.#waiters);
    this.#batch = [];
    this.#waiters = { resolve: [], reject: [] };
    (this.#socket ??= this.#connect()).write(line);
  }
}
