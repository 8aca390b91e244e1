import { GatehouseError } from '../core/errors.js';
import type { Command, OptionSpec } from './command.js';

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'config',
    short: 'c',
    value: 'FILE',
    description: 'config.yaml to use (default <prefix>/conf/config.yaml)',
  },
  {
    name: 'prefix',
    value: 'DIR',
    description: 'directory relative paths resolve against (default: see --config)',
  },
  { name: 'help', short: 'h', description: 'show help' },
];

export interface ParsedArgs {
  command: string | undefined;
  args: string[];
  options: Record<string, string | true>;
}

function usage(message: string): GatehouseError {
  return new GatehouseError('GH_ERR_CLI_USAGE', `${message} (see gatehouse --help)`);
}

function findOption(specs: readonly OptionSpec[], token: string): OptionSpec | undefined {
  if (token.startsWith('--')) return specs.find((s) => s.name === token.slice(2));
  return specs.find((s) => s.short !== undefined && `-${s.short}` === token);
}

/**
 * Splits argv into the command, its positional arguments and options. Global options may come
 * before or after the command; `--name=value` and `--name value` both work.
 */
export function parseArgs(
  argv: readonly string[],
  lookup: (name: string) => Command | undefined,
): ParsedArgs {
  const out: ParsedArgs = { command: undefined, args: [], options: {} };
  let specs: readonly OptionSpec[] = GLOBAL_OPTIONS;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (!token.startsWith('-') || token === '-') {
      if (out.command === undefined) {
        out.command = token;
        const command = lookup(token);
        if (command === undefined) throw usage(`unknown command '${token}'`);
        specs = [...GLOBAL_OPTIONS, ...command.options];
      } else {
        out.args.push(token);
      }
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq > 0 && token.startsWith('--') ? token.slice(0, eq) : token;
    const spec = findOption(specs, name);
    if (spec === undefined) throw usage(`unknown option '${name}'`);
    if (spec.value === undefined) {
      if (eq > 0 && token.startsWith('--')) throw usage(`option '${name}' takes no value`);
      out.options[spec.name] = true;
      continue;
    }
    const value = eq > 0 && token.startsWith('--') ? token.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw usage(`option '${name}' needs a ${spec.value}`);
    out.options[spec.name] = value;
  }
  return out;
}
