import type { Logger } from '../core/logger.js';

export interface SignalHandlers {
  /** SIGTERM and SIGINT: stop gracefully. */
  stop(signal: NodeJS.Signals): void;
  /** SIGHUP: re-read config.yaml. */
  reload(): void;
}

/**
 * If a graceful stop hangs (a stuck connection, a leaked handle), exit anyway after this. Longer
 * than the workers' drain (8 s) plus the grace after which a worker that did not exit is
 * SIGKILLed (2 s, cluster/worker-link.ts): a worker stuck in a loop must not outlive the primary
 * and keep holding the listening ports.
 */
const FORCED_EXIT_MS = 12_000;

/**
 * Routes process signals to the gateway. Returns the function that removes the handlers, so
 * a closed gateway (or a test that starts several) leaves the process as it found it.
 */
export function installSignalHandlers(handlers: SignalHandlers, logger: Logger): () => void {
  const onStop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping');
    // unref: the timer fires only if something else still keeps the process alive.
    setTimeout(() => {
      logger.warn('graceful stop timed out; exiting');
      process.exit(0);
    }, FORCED_EXIT_MS).unref();
    handlers.stop(signal);
  };
  const onHup = (): void => handlers.reload();
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
  };
}
