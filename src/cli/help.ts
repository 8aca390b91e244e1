import { GLOBAL_OPTIONS } from './args.js';
import type { Command, OptionSpec } from './command.js';

function optionLines(options: readonly OptionSpec[]): string[] {
  const left = options.map((o) => {
    const flag = o.short === undefined ? `    --${o.name}` : `-${o.short}, --${o.name}`;
    return o.value === undefined ? flag : `${flag} ${o.value}`;
  });
  const width = Math.max(...left.map((l) => l.length));
  return left.map((l, i) => `  ${l.padEnd(width)}  ${options[i]?.description ?? ''}`);
}

/** `gatehouse --help`. */
export function generalHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: gatehouse <command> [options]',
    '',
    'Gatehouse, an API gateway compatible with Apache APISIX 3.x.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Run "gatehouse help <command>" for a command\'s options.',
  ].join('\n');
}

/** `gatehouse help <command>` / `gatehouse <command> --help`. */
export function commandHelp(command: Command): string {
  const lines = [`Usage: gatehouse ${command.name} [options]`, '', command.summary];
  if (command.details !== undefined) lines.push('', command.details);
  if (command.options.length > 0) lines.push('', 'Options:', ...optionLines(command.options));
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS));
  return lines.join('\n');
}
