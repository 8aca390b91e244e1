import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { H1Pool, type H1PoolOptions } from '../../src/upstream/h1/pool.js';
import type {
  UpstreamDispatcher,
  UpstreamHandler,
  UpstreamRequest,
} from '../../src/upstream/h1/types.js';

/** What one dispatch produced. */
export interface Outcome {
  status: number | undefined;
  /** Raw name/value list as the handler got it. */
  headers: string[];
  body: string;
  error: (Error & { code?: string }) | undefined;
}

/** Dispatches `req` and collects the handler's callbacks into a promise (never rejects). */
export function fetchVia(
  pool: UpstreamDispatcher,
  req: Partial<UpstreamRequest> = {},
  hooks: { onData?: (chunk: Buffer) => boolean } = {},
): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { status: undefined, headers: [], body: '', error: undefined };
    const chunks: Buffer[] = [];
    const handler: UpstreamHandler = {
      onHeaders(status, headers) {
        out.status = status;
        out.headers = headers.map((h) => h.toString());
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return hooks.onData?.(chunk) ?? true;
      },
      onComplete() {
        out.body = Buffer.concat(chunks).toString();
        resolve(out);
      },
      onError(err) {
        out.body = Buffer.concat(chunks).toString();
        out.error = err;
        resolve(out);
      },
    };
    pool.dispatch(
      { path: '/', method: 'GET', headers: ['host', 'upstream.test'], body: null, ...req },
      handler,
    );
  });
}

/** An H1Pool to 127.0.0.1:`port` with short, test-sized settings. */
export function h1Pool(port: number, opts: Partial<H1PoolOptions> = {}): H1Pool {
  return new H1Pool({
    host: '127.0.0.1',
    port,
    tls: undefined,
    connectMs: 2000,
    idleMs: 60_000,
    maxRequests: 0,
    readMs: 5000,
    upgrades: () => {
      throw new Error('no upgrades in this test');
    },
    ...opts,
  });
}

export interface RawUpstream {
  readonly port: number;
  /** Every connection accepted so far, in order. */
  readonly sockets: Socket[];
  /** Every TCP read, as it arrived (latin1), over all connections. */
  readonly reads: string[];
  close(): Promise<void>;
}

/**
 * A TCP server that answers whatever `onRequest` writes: called once per request head (and
 * its Content-Length body, if any) with the head text, the socket and the request's index on
 * that connection. For responses no HTTP library would send.
 */
export async function rawUpstream(
  onRequest: (head: string, socket: Socket, nth: number, body: Buffer) => void,
): Promise<RawUpstream> {
  const sockets: Socket[] = [];
  const reads: string[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    let buffered = Buffer.alloc(0);
    let nth = 0;
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => {
      reads.push(data.toString('latin1'));
      buffered = Buffer.concat([buffered, data]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end + 4).toString('latin1');
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        const size = length === null ? 0 : Number(length[1]);
        if (buffered.length < end + 4 + size) return;
        const body = buffered.subarray(end + 4, end + 4 + size);
        buffered = buffered.subarray(end + 4 + size);
        onRequest(head, socket, nth++, body);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    reads,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** rawUpstream for one test file, closing every upstream it made in `closeAll` (for `after`). */
export function upstreams(): {
  raw: typeof rawUpstream;
  track: (up: RawUpstream) => RawUpstream;
  closeAll: () => Promise<void>;
} {
  const opened: RawUpstream[] = [];
  const track = (up: RawUpstream): RawUpstream => {
    opened.push(up);
    return up;
  };
  return {
    raw: async (onRequest) => track(await rawUpstream(onRequest)),
    track,
    closeAll: async () => {
      await Promise.all(opened.map((u) => u.close()));
    },
  };
}

/** A minimal well-formed response with a Content-Length body. */
export function ok(body: string, extra = ''): string {
  return `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
