import type { Io } from './io.js';

/** An option a command accepts (global options are added by the parser). */
export interface OptionSpec {
  /** Long name without dashes: 'daemon' for `--daemon`. */
  name: string;
  short?: string;
  /** Placeholder for a value-taking option ('FILE'); absent for a flag. */
  value?: string;
  description: string;
}

/** What a command receives once the command line is parsed. */
export interface CommandContext {
  io: Io;
  /** `--config FILE` / `-c FILE`. */
  config: string | undefined;
  /** `--prefix DIR`. */
  prefix: string | undefined;
  /** The command's own options: flags as true, values as strings. */
  options: Readonly<Record<string, string | true>>;
  /** Positional arguments after the command name. */
  args: readonly string[];
  /** The whole argv as given (`start --daemon` re-runs itself with it). */
  argv: readonly string[];
}

/** One `gatehouse <name>` command: one file each under src/cli/commands/. */
export interface Command {
  name: string;
  summary: string;
  /** Extra help text after the usage line. */
  details?: string;
  options: readonly OptionSpec[];
  /** How many positional arguments the command takes at most (default 0). */
  maxArgs?: number;
  /** Resolves to the exit code; throws GatehouseError for user errors. */
  run(ctx: CommandContext): Promise<number>;
}
