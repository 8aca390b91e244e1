import { GatehouseError } from '../core/errors.js';
import { fileLabel } from '../config/location.js';
import type { GatewayConfig } from '../config/types.js';
import { isProcessAlive, readPidFile } from '../gateway/pid-file.js';
import { rmSync } from 'node:fs';

/** The pid of the running gateway, from the pid file; GH_ERR_CLI_NOT_RUNNING when there is none. */
export function runningPid(config: GatewayConfig): number {
  const file = config.gatehouse.pid_file;
  const pid = readPidFile(file);
  if (pid === undefined) {
    throw new GatehouseError(
      'GH_ERR_CLI_NOT_RUNNING',
      `${fileLabel(file)}: gatehouse is not running (no pid file)`,
    );
  }
  if (!isProcessAlive(pid)) {
    rmSync(file, { force: true }); // stale: left behind by a crash or kill -9
    throw new GatehouseError(
      'GH_ERR_CLI_NOT_RUNNING',
      `${fileLabel(file)}: gatehouse is not running (pid ${pid} is gone; stale pid file removed)`,
    );
  }
  return pid;
}

/** Waits until `pid` has exited; false if it is still alive after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
