import path from 'node:path';
import { validateStandalone } from '../../gateway/validate-standalone.js';
import type { Command } from '../command.js';
import { loadFromContext } from '../load-context.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check config.yaml (and the standalone apisix.yaml when it is used) without starting',
  details:
    'Prints "configuration is valid", or one line per problem naming the file, the resource\n' +
    'and id, and exits 1. The standalone file is checked when config_provider is yaml or\n' +
    'when --standalone names one.',
  options: [
    { name: 'standalone', value: 'FILE', description: 'also check this standalone apisix.yaml' },
  ],
  async run(ctx) {
    const { config } = loadFromContext(ctx);
    const given = ctx.options['standalone'];
    const standalone =
      typeof given === 'string'
        ? path.resolve(given)
        : config.deployment.config_provider === 'yaml'
          ? config.gatehouse.standalone_file
          : undefined;
    if (standalone !== undefined) {
      const problems = await validateStandalone(standalone, config);
      for (const problem of problems) ctx.io.err(`gatehouse: ${problem}`);
      if (problems.length > 0) return 1;
    }
    ctx.io.out('configuration is valid');
    return 0;
  },
};
