import { GatehouseError } from '../../core/errors.js';
import type { Command } from '../command.js';
import { commandHelp, generalHelp } from '../help.js';

/** `gatehouse help [command]`; takes the command list lazily (it includes this command). */
export function helpCommand(commands: () => readonly Command[]): Command {
  return {
    name: 'help',
    summary: 'show help for gatehouse or for one command',
    options: [],
    maxArgs: 1,
    run(ctx) {
      const name = ctx.args[0];
      if (name === undefined) {
        ctx.io.out(generalHelp(commands()));
        return Promise.resolve(0);
      }
      const command = commands().find((c) => c.name === name);
      if (command === undefined) {
        throw new GatehouseError(
          'GH_ERR_CLI_USAGE',
          `unknown command '${name}' (see gatehouse --help)`,
        );
      }
      ctx.io.out(commandHelp(command));
      return Promise.resolve(0);
    },
  };
}
