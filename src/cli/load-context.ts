import { loadConfig } from '../config/load.js';
import { resolveConfigLocation, type ConfigLocation } from '../config/location.js';
import type { GatewayConfig } from '../config/types.js';
import type { CommandContext } from './command.js';

/** The config file location and the loaded config for `--config` / `--prefix`. */
export function loadFromContext(ctx: CommandContext): {
  location: ConfigLocation;
  config: GatewayConfig;
} {
  const location = resolveConfigLocation({ file: ctx.config, prefix: ctx.prefix });
  const config = loadConfig({ file: ctx.config, prefix: ctx.prefix });
  return { location, config };
}
