import type { ResponseView } from '../plugin/types.js';

/** `HTTP/1.1 200 OK\r\n`: the status line with a two-letter reason. */
const STATUS_LINE_BYTES = 17;

/**
 * The response as header_filter / body_filter / log plugins see it, over the flat name/value
 * array `res.writeHead` takes (no header object per response unless a plugin asks).
 */
export class FlatResponse implements ResponseView {
  status = 0;
  /** Name, value, name, value... */
  headerList: string[] = [];
  /** Set by replaceBody. */
  replacement: Buffer | undefined = undefined;
  bytesSent = 0;

  reset(status: number, headers: string[]): void {
    this.status = status;
    this.headerList = headers;
  }

  header(name: string): string | undefined {
    const list = this.headerList;
    let out: string | undefined;
    for (let i = 0; i < list.length; i += 2) {
      if (sameName(list[i]!, name)) {
        out = out === undefined ? list[i + 1]! : `${out}, ${list[i + 1]!}`;
      }
    }
    return out;
  }

  setHeader(name: string, value: string | readonly string[] | undefined): void {
    this.remove(name);
    if (value === undefined) return;
    if (typeof value === 'string') this.headerList.push(name, value);
    else for (const v of value) this.headerList.push(name, v);
  }

  addHeader(name: string, value: string): void {
    this.headerList.push(name, value);
  }

  headers(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const list = this.headerList;
    for (let i = 0; i < list.length; i += 2) out.push([list[i]!, list[i + 1]!]);
    return out;
  }

  /**
   * `$bytes_sent` as nginx counts it: the status line, the headers and the body bytes sent
   * (the `Date`, `Connection` and `Keep-Alive` lines node adds are left out).
   */
  bytesSentTotal(): number {
    const list = this.headerList;
    let n = STATUS_LINE_BYTES + this.bytesSent + 2;
    for (let i = 0; i < list.length; i++) n += list[i]!.length + 2;
    return n;
  }

  replaceBody(body: string | Buffer): void {
    this.replacement = typeof body === 'string' ? Buffer.from(body) : body;
  }

  /** Removes every value of a header (case-insensitive). */
  remove(name: string): void {
    removeFlatHeader(this.headerList, name);
  }
}

/** Removes every value of `name` (any case) from a flat name/value array, in place. */
export function removeFlatHeader(list: string[], name: string): void {
  let r = 0;
  while (r < list.length && !sameName(list[r]!, name)) r += 2;
  // Nothing to remove (the usual case): the array is left as is; writing its length is not free.
  if (r === list.length) return;
  let w = r;
  for (r += 2; r < list.length; r += 2) {
    if (sameName(list[r]!, name)) continue;
    list[w++] = list[r]!;
    list[w++] = list[r + 1]!;
  }
  list.length = w;
}

/**
 * Header names equal but for ASCII case (header names are tokens), without lower-casing: that
 * makes a new string per call for names such as `X-RateLimit-Limit`. Most names differ in
 * length and cost one comparison.
 */
function sameName(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const lower = x | 0x20;
    if (lower !== (y | 0x20) || lower < 0x61 || lower > 0x7a) return false;
  }
  return true;
}
