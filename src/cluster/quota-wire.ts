import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The quota protocol between a worker and the primary over one Unix socket: each line is a JSON
 * array of messages, the messages of one event-loop turn together. Worker → primary: grant
 * requests and recall answers; primary → worker: grants and recalls.
 */

export const GRANT = 0;
export const RETURN = 1;
export const RECALL = 1;

/** Worker → primary: `n` requests of `cost` units wait; lease up to `want` more requests. */
export type GrantMessage = [
  type: typeof GRANT,
  id: number,
  key: string,
  n: number,
  cost: number,
  limit: number,
  windowMs: number,
  want: number,
];
/** Worker → primary: the unspent units of a recalled lease. */
export type ReturnMessage = [type: typeof RETURN, key: string, expiresAt: number, units: number];
export type WorkerMessage = GrantMessage | ReturnMessage;

/** Primary → worker: the answer to grant `id`. */
export type GrantReply = [
  type: typeof GRANT,
  id: number,
  admitted: number,
  extra: number,
  remaining: number,
  expiresAt: number,
  first: 0 | 1,
];
/** Primary → worker: give back the lease of `key` in the window ending at `expiresAt`. */
export type RecallMessage = [type: typeof RECALL, key: string, expiresAt: number];
export type PrimaryMessage = GrantReply | RecallMessage;

/** The socket of the node whose primary has `pid`. */
export function quotaSocketPath(pid: number): string {
  const dir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return path.join(dir, `gatehouse-${pid}.quotas.sock`);
}

/** Splits a stream into lines and hands each complete one over. */
export function onLines(socket: Socket, each: (line: string) => void): void {
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
