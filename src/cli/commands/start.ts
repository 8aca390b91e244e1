import path from 'node:path';
import { fileLabel } from '../../config/location.js';
import type { GatewayConfig } from '../../config/types.js';
import { GatehouseError, isGatehouseError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { startGateway } from '../../gateway/gateway.js';
import { isProcessAlive, readPidFile } from '../../gateway/pid-file.js';
import { ensureAdminKey } from '../admin-key-setup.js';
import type { Command, CommandContext } from '../command.js';
import { notifyParent, spawnDaemon } from '../daemon.js';
import { loadFromContext } from '../load-context.js';

function refuseIfRunning(config: GatewayConfig): void {
  const pid = readPidFile(config.gatehouse.pid_file);
  if (pid !== undefined && pid !== process.pid && isProcessAlive(pid)) {
    throw new GatehouseError(
      'GH_ERR_CLI_ALREADY_RUNNING',
      `${fileLabel(config.gatehouse.pid_file)}: gatehouse is already running (pid ${pid})`,
    );
  }
}

async function run(ctx: CommandContext): Promise<number> {
  const loaded = loadFromContext(ctx);
  const config = ensureAdminKey(loaded.config, loaded.location, ctx.io);
  refuseIfRunning(config);
  if (ctx.options['daemon'] === true) {
    const logFile = path.join(path.dirname(config.gatehouse.pid_file), 'gatehouse.log');
    const pid = await spawnDaemon(
      ctx.argv.filter((arg) => arg !== '--daemon'),
      logFile,
    );
    ctx.io.out(`gatehouse started in the background (pid ${pid}, log ${fileLabel(logFile)})`);
    return 0;
  }
  const gateway = await startGateway(config, { logger: createLogger('gatehouse') });
  notifyParent({ type: 'ready', pid: process.pid, adminUrl: gateway.adminUrl });
  await gateway.closed;
  return 0;
}

export const startCommand: Command = {
  name: 'start',
  summary: 'start the gateway in the foreground (or in the background with --daemon)',
  details:
    'On the first start, when no admin key is configured, a random key is generated, saved in\n' +
    'config.yaml (deployment.admin.admin_key) and printed once.\n' +
    'SIGTERM or SIGINT stops gracefully; SIGHUP re-reads config.yaml.',
  options: [
    {
      name: 'daemon',
      description: 'run in the background; returns once the gateway is ready (pid in the pid file)',
    },
  ],
  async run(ctx) {
    try {
      return await run(ctx);
    } catch (err) {
      // In a daemon child, the parent is waiting to print this line for the user.
      notifyParent({
        type: 'failed',
        code: isGatehouseError(err) ? err.code : undefined,
        message: err instanceof Error ? err.message : String(err),
      });
      throw err;
    }
  },
};
