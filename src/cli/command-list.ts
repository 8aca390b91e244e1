import type { Command } from './command.js';
import { helpCommand } from './commands/help.js';
import { initCommand } from './commands/init.js';
import { reloadCommand } from './commands/reload.js';
import { startCommand } from './commands/start.js';
import { stopCommand } from './commands/stop.js';
import { validateCommand } from './commands/validate.js';
import { versionCommand } from './commands/version.js';

/** Every `gatehouse <command>`, in the order help lists them. */
export const COMMANDS: readonly Command[] = [
  initCommand,
  startCommand,
  stopCommand,
  reloadCommand,
  validateCommand,
  versionCommand,
  helpCommand(() => COMMANDS),
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
