import type { IncomingMessage } from 'node:http';

/*
 * nginx reads a request head into one `client_header_buffer_size` buffer (1k) and, when that
 * fills, into at most four `large_client_header_buffers` (8k each). APISIX keeps nginx's
 * defaults and has no config.yaml key for either (only `http_configuration_snippet` changes
 * them), so they are constants here.
 */
const FIRST_BUFFER = 1024;
const LARGE_BUFFER = 8192;
const LARGE_BUFFERS = 4;

/**
 * The most a head can hold in nginx's buffers. node:http's `maxHeaderSize` is set to this: node
 * counts only the target, names and values (no method, version, `: ` or CRLF), so every head
 * nginx takes gets through node's parser, and `headOverflow` answers the rest as nginx does.
 */
export const MAX_HEAD_BYTES = FIRST_BUFFER + LARGE_BUFFERS * LARGE_BUFFER;

/** `" HTTP/1.1\r\n"` after the target, and the space after the method. */
const REQUEST_LINE_EXTRA = 12;
/** `": "` and CRLF around a header's name and value. */
const HEADER_LINE_EXTRA = 4;
/** The empty line that ends the head. */
const HEAD_END = 2;

/**
 * The status nginx refuses a head with because its buffers cannot hold it, or undefined:
 * 414 when the request line is longer than a large buffer, 494 (sent as 400 "Request Header Or
 * Cookie Too Large") when a header line is, or when the lines need more than four large buffers.
 *
 * The head's bytes are rebuilt from what node parsed, as clients write them (`Name: value`; node
 * strips any other whitespace around a value). nginx never splits a line across buffers: a line
 * that does not fit in what is left of one moves whole to the next, so the packing, not only the
 * total, decides.
 */
export function headOverflow(req: IncomingMessage): 414 | 494 | undefined {
  const raw = req.rawHeaders;
  const line = (req.method?.length ?? 0) + (req.url?.length ?? 0) + REQUEST_LINE_EXTRA;
  let total = line + HEAD_END;
  for (let i = 0; i < raw.length; i += 2) {
    total += raw[i]!.length + raw[i + 1]!.length + HEADER_LINE_EXTRA;
  }
  // Whatever the first buffer does not hold then fits in one large buffer: nothing to pack.
  if (total <= LARGE_BUFFER) return undefined;
  return pack(line, raw);
}

/** nginx's buffer allocation over the head's lines (ngx_http_alloc_large_header_buffer). */
function pack(requestLine: number, raw: readonly string[]): 414 | 494 | undefined {
  if (requestLine > LARGE_BUFFER) return 414;
  let room = FIRST_BUFFER;
  let large = 0;
  if (requestLine > room) {
    large = 1;
    room = LARGE_BUFFER;
  }
  room -= requestLine;
  for (let i = 0; i <= raw.length; i += 2) {
    const bytes =
      i === raw.length ? HEAD_END : raw[i]!.length + raw[i + 1]!.length + HEADER_LINE_EXTRA;
    if (bytes <= room) {
      room -= bytes;
      continue;
    }
    if (bytes > LARGE_BUFFER || large === LARGE_BUFFERS) return 494;
    large++;
    room = LARGE_BUFFER - bytes;
  }
  return undefined;
}
