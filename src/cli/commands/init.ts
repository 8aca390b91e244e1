import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ensureAdminKey } from '../admin-key-setup.js';
import type { Command } from '../command.js';
import { loadFromContext } from '../load-context.js';

export const initCommand: Command = {
  name: 'init',
  summary: 'check config.yaml, generate the admin key if none is set, create data and log dirs',
  options: [],
  run(ctx) {
    const loaded = loadFromContext(ctx);
    const config = ensureAdminKey(loaded.config, loaded.location, ctx.io);
    mkdirSync(config.gatehouse.data_dir, { recursive: true });
    mkdirSync(path.dirname(config.gatehouse.pid_file), { recursive: true });
    ctx.io.out(`initialised ${config.prefix}`);
    return Promise.resolve(0);
  },
};
