import type { Command } from '../command.js';
import { loadFromContext } from '../load-context.js';
import { runningPid } from '../running.js';

export const reloadCommand: Command = {
  name: 'reload',
  summary: 'make the running gateway re-read config.yaml (SIGHUP)',
  details: 'The file is checked first: a broken config.yaml is reported here and not sent.',
  options: [],
  run(ctx) {
    // Loading first means a typo is reported to the user, not only to the gateway's log.
    const { config } = loadFromContext(ctx);
    const pid = runningPid(config);
    process.kill(pid, 'SIGHUP');
    ctx.io.out(`gatehouse (pid ${pid}) is re-reading its configuration`);
    return Promise.resolve(0);
  },
};
