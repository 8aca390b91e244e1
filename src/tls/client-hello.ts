/** TLS record content type of a handshake record, and the ClientHello handshake message type. */
const HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;
const RECORD_HEADER = 5;
/** Largest ClientHello accepted (a post-quantum key share makes one ~1.8 KiB; 16 KiB is a record). */
export const MAX_CLIENT_HELLO = 16 * 1024;
/** Most bytes the records of one ClientHello may take (tiny fragments cost a header each). */
export const MAX_HELLO_BYTES = 4 * MAX_CLIENT_HELLO;
const SERVER_NAME_EXTENSION = 0x0000;
const HOST_NAME = 0x00;

/**
 * What the first bytes of a TLS connection say: more bytes are needed, the ClientHello is
 * complete (with its server_name, if the client sent one), or this is not a TLS ClientHello.
 */
export type ClientHelloRead =
  | { readonly state: 'partial' }
  | { readonly state: 'complete'; readonly serverName: string | undefined }
  | { readonly state: 'invalid' };

const PARTIAL: ClientHelloRead = { state: 'partial' };
const INVALID: ClientHelloRead = { state: 'invalid' };

/**
 * Reads the server_name (RFC 6066) of the ClientHello at the start of `data`, the bytes a client
 * sent so far. The handshake message may span several records; each record is reassembled
 * before parsing. Nothing is consumed: the caller hands the same bytes to the TLS stack.
 *
 * @example
 *   const read = readClientHello(firstBytes);
 *   if (read.state === 'complete') table.match(read.serverName ?? fallback);
 */
export function readClientHello(data: Buffer): ClientHelloRead {
  const fragments: Buffer[] = [];
  let gathered = 0;
  let needed = -1; // the handshake message's length, header included, once known
  let at = 0;
  while (needed < 0 || gathered < needed) {
    if (at >= MAX_HELLO_BYTES) return INVALID;
    if (data.length < at + RECORD_HEADER) return PARTIAL;
    if (data[at] !== HANDSHAKE || data[at + 1] !== 0x03) return INVALID;
    const length = data.readUInt16BE(at + 3);
    if (length === 0 || length > MAX_CLIENT_HELLO) return INVALID;
    if (data.length < at + RECORD_HEADER + length) return PARTIAL;
    fragments.push(data.subarray(at + RECORD_HEADER, at + RECORD_HEADER + length));
    gathered += length;
    at += RECORD_HEADER + length;
    if (needed < 0 && gathered >= 4) {
      const head = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments);
      if (head[0] !== CLIENT_HELLO) return INVALID;
      needed = 4 + head.readUIntBE(1, 3);
      if (needed > MAX_CLIENT_HELLO) return INVALID;
    }
  }
  const message = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments);
  const serverName = serverNameOf(message.subarray(4, needed));
  return serverName === null ? INVALID : { state: 'complete', serverName };
}

/** The host_name of a ClientHello body, undefined when absent, null when the body is malformed. */
function serverNameOf(body: Buffer): string | undefined | null {
  const cursor = new Cursor(body);
  cursor.skip(2 + 32); // legacy_version, random
  cursor.skip(cursor.u8()); // legacy_session_id
  cursor.skip(cursor.u16()); // cipher_suites
  cursor.skip(cursor.u8()); // legacy_compression_methods
  if (cursor.failed) return null;
  if (cursor.remaining === 0) return undefined; // no extensions at all
  const extensionsLength = cursor.u16();
  const end = cursor.at + extensionsLength;
  while (!cursor.failed && cursor.at < end) {
    const type = cursor.u16();
    const length = cursor.u16();
    if (type !== SERVER_NAME_EXTENSION) {
      cursor.skip(length);
      continue;
    }
    const listLength = cursor.u16();
    const listEnd = cursor.at + listLength;
    while (!cursor.failed && cursor.at < listEnd) {
      const nameType = cursor.u8();
      const name = cursor.bytes(cursor.u16());
      if (nameType === HOST_NAME && name !== undefined) return name.toString('latin1');
    }
    return cursor.failed ? null : undefined;
  }
  return cursor.failed || cursor.at > end ? null : undefined;
}

/** Bounds-checked reads: a read past the end sets `failed` instead of throwing. */
class Cursor {
  readonly #buf: Buffer;
  at = 0;
  failed = false;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  get remaining(): number {
    return this.#buf.length - this.at;
  }

  u8(): number {
    if (!this.#take(1)) return 0;
    return this.#buf[this.at - 1]!;
  }

  u16(): number {
    if (!this.#take(2)) return 0;
    return this.#buf.readUInt16BE(this.at - 2);
  }

  skip(n: number): void {
    this.#take(n);
  }

  bytes(n: number): Buffer | undefined {
    if (!this.#take(n)) return undefined;
    return this.#buf.subarray(this.at - n, this.at);
  }

  #take(n: number): boolean {
    if (this.failed || this.at + n > this.#buf.length) {
      this.failed = true;
      return false;
    }
    this.at += n;
    return true;
  }
}
