import { GatehouseError, isGatehouseError } from '../core/errors.js';
import { parseArgs } from './args.js';
import { COMMANDS, findCommand } from './command-list.js';
import { commandHelp, generalHelp } from './help.js';
import { processIo, type Io } from './io.js';

/** Exit codes: 0 success, 1 failure (bad config, problems found, not running), 2 bad usage. */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/**
 * The `gatehouse` command line. Resolves to the process exit code; user errors are printed as
 * one line on stderr (`gatehouse: <file>: <key>: <problem>`), never as a stack trace.
 *
 * @example
 *   process.exitCode = await main(['start', '--config', '/srv/gw/conf/config.yaml']);
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  try {
    const parsed = parseArgs(argv, findCommand);
    const command = parsed.command === undefined ? undefined : findCommand(parsed.command);
    if (command === undefined) {
      io.out(generalHelp(COMMANDS));
      return 0;
    }
    if (parsed.options['help'] === true) {
      io.out(commandHelp(command));
      return 0;
    }
    if (parsed.args.length > (command.maxArgs ?? 0)) {
      throw new GatehouseError(
        'GH_ERR_CLI_USAGE',
        `${command.name}: unexpected argument '${parsed.args[command.maxArgs ?? 0]}' (see gatehouse help ${command.name})`,
      );
    }
    const { config, prefix, ...options } = parsed.options;
    delete options['help'];
    return await command.run({
      io,
      config: typeof config === 'string' ? config : undefined,
      prefix: typeof prefix === 'string' ? prefix : undefined,
      options,
      args: parsed.args,
      argv,
    });
  } catch (err) {
    return report(err, io);
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function report(err: unknown, io: Io): number {
  if (isGatehouseError(err)) {
    io.err(`gatehouse: ${oneLine(err.message)}`);
    return err.code === 'GH_ERR_CLI_USAGE' ? EXIT_USAGE : EXIT_FAILURE;
  }
  if (err instanceof Error) {
    // System errors (EADDRINUSE, EACCES, ...) are the user's to fix: their message says enough.
    io.err(`gatehouse: ${oneLine(err.message)}`);
    if (process.env['GATEHOUSE_DEBUG'] !== undefined && err.stack !== undefined) io.err(err.stack);
    return EXIT_FAILURE;
  }
  io.err(`gatehouse: ${String(err)}`);
  return EXIT_FAILURE;
}
