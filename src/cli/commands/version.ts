import { gatehouseVersion } from '../../gateway/version.js';
import type { Command } from '../command.js';

export const versionCommand: Command = {
  name: 'version',
  summary: 'print the Gatehouse version',
  options: [],
  run(ctx) {
    ctx.io.out(gatehouseVersion());
    return Promise.resolve(0);
  },
};
