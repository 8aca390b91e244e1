import { pino, type Logger } from 'pino';

export type { Logger };

/** The process-wide logger: JSON lines on stderr; level from GATEHOUSE_LOG_LEVEL (default info). */
export function createLogger(
  name: string,
  level = process.env['GATEHOUSE_LOG_LEVEL'] ?? 'info',
): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination(2));
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
