import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatehouseError } from '../core/errors.js';
import { ERROR_CODES, type ErrorCode } from '../core/error-codes.js';
import { fileLabel } from '../config/location.js';

/** What a daemon child tells its parent over the IPC channel. */
export type DaemonMessage =
  | { type: 'ready'; pid: number; adminUrl: string | undefined }
  | { type: 'failed'; code: string | undefined; message: string };

const BIN = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

/** In a daemon child: report readiness or failure to the parent, then let it go. */
export function notifyParent(message: DaemonMessage): void {
  if (process.send === undefined) return;
  process.send(message, () => {
    if (process.connected) process.disconnect();
  });
}

/**
 * `start --daemon`: runs `gatehouse <args>` detached, its output appended to `logFile`, and
 * resolves once the child reports ready (its pid) or rejects with the child's own error line.
 */
export function spawnDaemon(args: readonly string[], logFile: string): Promise<number> {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [BIN, ...args], {
    detached: true,
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      finish();
      reject(fail(`no ready signal within ${READY_TIMEOUT_MS / 1000}s`));
    }, READY_TIMEOUT_MS);
    const finish = (): void => {
      clearTimeout(timer);
      child.removeAllListeners();
      if (child.connected) child.disconnect();
      child.unref();
    };
    const fail = (why: string): Error =>
      new GatehouseError(
        'GH_ERR_CLI_START_FAILED',
        `daemon did not start: ${why} (log: ${fileLabel(logFile)})`,
      );
    child.on('message', (msg: DaemonMessage) => {
      finish();
      if (msg.type === 'ready') resolve(msg.pid);
      else reject(childError(msg));
    });
    child.on('error', (err) => {
      finish();
      reject(fail(err.message));
    });
    child.on('exit', (code, signal) => {
      finish();
      reject(fail(`exited with ${signal ?? `code ${code}`}`));
    });
  });
}

function childError(msg: { code: string | undefined; message: string }): Error {
  if (msg.code !== undefined && msg.code in ERROR_CODES) {
    return new GatehouseError(msg.code as ErrorCode, msg.message);
  }
  return new GatehouseError('GH_ERR_CLI_START_FAILED', msg.message);
}
