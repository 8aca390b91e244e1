import { GatehouseError } from '../../core/errors.js';
import type { Command } from '../command.js';
import { loadFromContext } from '../load-context.js';
import { runningPid, waitForExit } from '../running.js';

// Longer than the gateway's own forced-exit delay (src/gateway/signals.ts), so a stuck drain
// still ends before we give up.
const STOP_TIMEOUT_MS = 15_000;

export const stopCommand: Command = {
  name: 'stop',
  summary: 'stop the running gateway (SIGTERM to the pid in the pid file) and wait for it to exit',
  options: [],
  async run(ctx) {
    const { config } = loadFromContext(ctx);
    const pid = runningPid(config);
    process.kill(pid, 'SIGTERM');
    if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) {
      throw new GatehouseError(
        'GH_ERR_CLI_STOP_TIMEOUT',
        `gatehouse (pid ${pid}) did not exit within ${STOP_TIMEOUT_MS / 1000}s`,
      );
    }
    ctx.io.out(`gatehouse stopped (pid ${pid})`);
    return 0;
  },
};
