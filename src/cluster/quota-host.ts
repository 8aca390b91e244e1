import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { QuotaTable, type Grant, type Holder } from './quota-table.js';
import { GRANT, onLines, RECALL, type PrimaryMessage, type WorkerMessage } from './quota-wire.js';

/** One worker's connection: what the table sends it waits in an outbox for the end of the turn. */
class Connection implements Holder {
  #outbox: PrimaryMessage[] = [];
  readonly #socket: Socket;
  readonly #flush = (): void => {
    const out = this.#outbox;
    this.#outbox = [];
    if (!this.#socket.destroyed) this.#socket.write(JSON.stringify(out) + '\n');
  };

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  send(message: PrimaryMessage): void {
    if (this.#outbox.length === 0) process.nextTick(this.#flush);
    this.#outbox.push(message);
  }

  recall(key: string, expiresAt: number): void {
    this.send([RECALL, key, expiresAt]);
  }
}

/**
 * The primary's end of the node-wide quotas (DESIGN.md "Process model": the primary is the
 * node's privileged process): one Unix socket per worker, one table for the node.
 */
export class QuotaHost {
  readonly table = new QuotaTable();
  readonly path: string;
  readonly #server: Server;
  readonly #timer: NodeJS.Timeout;
  readonly #connections = new Set<Connection>();

  private constructor(file: string, server: Server, sweepMs: number) {
    this.path = file;
    this.#server = server;
    this.#timer = setInterval(() => this.table.sweep(Date.now()), sweepMs);
    this.#timer.unref();
  }

  static async listen(file: string, sweepMs = 10_000): Promise<QuotaHost> {
    rmSync(file, { force: true });
    const server = createServer();
    const host = new QuotaHost(file, server, sweepMs);
    server.on('connection', (socket) => host.#serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(file, () => resolve());
    });
    return host;
  }

  #serve(socket: Socket): void {
    socket.setNoDelay(true);
    const conn = new Connection(socket);
    this.#connections.add(conn);
    this.table.workers = this.#connections.size;
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.#connections.delete(conn);
      this.table.workers = Math.max(this.#connections.size, 1);
      this.table.forget(conn);
    });
    onLines(socket, (line) => {
      try {
        this.#handle(conn, JSON.parse(line) as WorkerMessage[], Date.now());
      } catch {
        socket.destroy(); // not our protocol
      }
    });
  }

  #handle(conn: Connection, messages: WorkerMessage[], now: number): void {
    for (const m of messages) {
      if (m[0] === GRANT) {
        const id = m[1];
        const done = (g: Grant): void =>
          conn.send([GRANT, id, g.admitted, g.extra, g.remaining, g.expiresAt, g.first ? 1 : 0]);
        const [, , key, n, cost, limit, windowMs, want] = m;
        const grant = this.table.grant(
          { key, n, cost, limit, windowMs, want, from: conn, done },
          now,
        );
        if (grant !== undefined) done(grant);
      } else {
        this.table.returned(m[1], m[2], m[3], conn);
      }
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.#server.close();
    rmSync(this.path, { force: true });
  }
}
