import type { Duplex, Readable } from 'node:stream';

/**
 * The part of undici's `Dispatcher` the proxy uses, so either client can sit under it: one
 * request in (`dispatch`), the legacy handler callbacks out.
 */
export interface UpstreamDispatcher {
  /** Starts `req`; every outcome reaches `handler` (never a throw, never a promise). */
  dispatch(req: UpstreamRequest, handler: UpstreamHandler): boolean;
  /** Stops taking requests; resolves once the in-flight ones have finished. */
  close(): Promise<void>;
}

export interface UpstreamRequest {
  /** The request target as sent: origin form, already validated by node:http or a plugin. */
  readonly path: string;
  readonly method: string;
  /** Name/value alternating, hop-by-hop headers already removed; `host` among them. */
  readonly headers: string[];
  /** null: none; a Buffer: sent with its length; a Readable: streamed (chunked without a
   * Content-Length in `headers`). */
  readonly body?: Buffer | Readable | null;
  /** Milliseconds until the response head must be complete; 0 = no limit. */
  readonly headersTimeout?: number;
  /** Milliseconds allowed between two reads of the response body; 0 = no limit. */
  readonly bodyTimeout?: number;
  /** A protocol to switch to (WebSocket): handed to the undici pool behind the h1 one. */
  readonly upgrade?: string;
}

/** Raw header names and values: strings from the h1 client, Buffers from undici. */
export type RawHeaders = readonly (string | Buffer)[];

/** undici's legacy dispatch handler, the callbacks Exchange implements. */
export interface UpstreamHandler {
  /** Before anything is sent; `abort` ends the request (→ onError) at any later point. */
  onConnect?(abort: (err?: Error) => void): void;
  /** The final response head (1xx are skipped); false pauses reading until `resume`. */
  onHeaders?(status: number, headers: RawHeaders, resume: () => void, statusText: string): boolean;
  /** A piece of the response body; false pauses reading until `resume`. */
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: string[] | null): void;
  /** Once, instead of onComplete; after onHeaders the response is cut short. */
  onError?(err: Error): void;
  onUpgrade?(status: number, headers: Buffer[] | string[] | null, socket: Duplex): void;
}
