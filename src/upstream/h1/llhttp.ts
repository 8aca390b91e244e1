import { createRequire } from 'node:module';

/**
 * The native llhttp binding node:http parses with. Not a public API, but `_http_common` has
 * exported it for every Node line since 0.x and node:http's own client and server use exactly
 * these methods; Node 20 loads it from ESM through createRequire without a warning.
 */
export interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  /** Reads the stream's data inside C++; results come through the callbacks and kOnExecute. */
  consume(handle: object): void;
  unconsume(): void;
  /** End of input: completes a read-until-close body, or returns the framing error. */
  finish(): Error | number | undefined;
  close(): void;
  [slot: number]: unknown;
}

interface ParserClass {
  new (): NativeParser;
  readonly RESPONSE: number;
  readonly kOnMessageBegin: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kOnExecute: number;
  readonly kLenientNone: number;
}

const require = createRequire(import.meta.url);
export const HTTPParser = (require('_http_common') as { HTTPParser: ParserClass }).HTTPParser;

/** The stream handle a net.Socket or tls.TLSSocket reads through (a libuv stream). */
export interface StreamHandle {
  readonly isStreamBase?: boolean;
  reading: boolean;
  readStart(): number;
  readStop(): number;
}
