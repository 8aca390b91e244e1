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
    const lower = name.toLowerCase();
    const list = this.headerList;
    let out: string | undefined;
    for (let i = 0; i < list.length; i += 2) {
      const n = list[i]!;
      if (n.length === lower.length && n.toLowerCase() === lower) {
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
    const lower = name.toLowerCase();
    const list = this.headerList;
    let w = 0;
    for (let r = 0; r < list.length; r += 2) {
      const n = list[r]!;
      if (n.length === lower.length && n.toLowerCase() === lower) continue;
      list[w++] = list[r]!;
      list[w++] = list[r + 1]!;
    }
    list.length = w;
  }
}
