import type { GatewayConfig } from '../config/types.js';
import { isGatehouseError } from '../core/errors.js';
import type { KeyValue } from '../core/kv.js';
import type { Logger } from '../core/logger.js';
import { isToWorker, LAZY_ACK_MS, type ToPrimary, type ToWorker } from './messages.js';
import { pinTickObjectShape } from './tick-shape.js';
import type { StateSink } from './types.js';

/** What a worker process runs: its state, its listeners. Built by the composition root. */
export interface WorkerApp {
  readonly sink: StateSink;
  /** Opens every listener. Called once, after the first full state is applied. */
  listen(): Promise<void>;
  /** Stops accepting, lets in-flight requests finish within `timeoutMs`, closes the rest. */
  drain(timeoutMs: number): Promise<void>;
  /** The plugin lists changed in place (plugins reload). */
  updateConfig?(config: GatewayConfig): void | Promise<void>;
}

export type BuildWorkerApp = (config: GatewayConfig) => WorkerApp | Promise<WorkerApp>;

/** Drain bound when the primary vanished or SIGTERM reached the worker directly. */
const ORPHAN_DRAIN_MS = 10_000;

/**
 * The worker side of the IPC protocol: builds the app from the primary's `init`, applies the
 * chunked reset and then each delta through the sink, acknowledges applied revisions (at once
 * when the primary asks, as it does when someone waits; otherwise together, within
 * LAZY_ACK_MS), opens the listeners after the first reset and says `ready`. A worker never
 * talks to the store.
 *
 * Messages are handled one after another (a reset may await the listeners), so deltas that
 * arrive meanwhile are applied after it, in order.
 */
export function runWorker(build: BuildWorkerApp, logger: Logger): void {
  pinTickObjectShape();
  let app: WorkerApp | undefined;
  let listening = false;
  let resetItems: KeyValue[] = [];
  let exiting = false;
  let chain: Promise<void> = Promise.resolve();
  /** Messages in `chain` not yet handled: later ones wait behind them, in order. */
  let queued = 0;
  /** A message failed: the worker is exiting and handles nothing more. */
  let failed = false;
  let lazyAck: NodeJS.Timeout | undefined;

  const send = (msg: ToPrimary): void => {
    if (process.connected) process.send?.(msg);
  };

  const ackNow = (): void => {
    clearTimeout(lazyAck);
    lazyAck = undefined;
    if (app !== undefined) send({ t: 'ack', revision: app.sink.revision });
  };

  const exit = async (drainMs: number): Promise<void> => {
    if (exiting) return;
    exiting = true;
    try {
      await app?.drain(drainMs);
    } catch (err) {
      logger.error({ err }, 'worker: error while draining');
    }
    process.exit(0);
  };

  /**
   * The messages handled without awaiting anything (a delta, a reset chunk, an ack request);
   * false for the others. Runs them at once when nothing is queued: most messages are deltas,
   * and each hop through the promise chain is work on the proxy's core.
   */
  const handleNow = (msg: ToWorker): boolean => {
    switch (msg.t) {
      case 'events':
        required(app).sink.apply(msg.revision, msg.events);
        if (msg.ack === true) ackNow();
        else lazyAck ??= setTimeout(ackNow, LAZY_ACK_MS);
        return true;
      case 'reset-begin':
        resetItems = [];
        return true;
      case 'reset-chunk':
        for (const item of msg.items) resetItems.push(item);
        return true;
      case 'ack-now':
        ackNow();
        return true;
      default:
        return false;
    }
  };

  const handle = async (msg: ToWorker): Promise<void> => {
    if (handleNow(msg)) return;
    switch (msg.t) {
      case 'init':
        app = await build(msg.config);
        return;
      case 'config':
        await app?.updateConfig?.(msg.config);
        return;
      case 'reset-end': {
        const items = resetItems;
        resetItems = [];
        required(app).sink.reset(items, msg.revision);
        if (!listening) {
          await required(app).listen();
          listening = true;
          send({ t: 'ready', revision: msg.revision });
        } else {
          ackNow();
        }
        return;
      }
      case 'stop':
        await exit(msg.drainMs);
        return;
    }
  };

  const fail = (err: unknown): void => {
    if (failed) return;
    failed = true;
    // A sink that throws has a state we cannot trust: exit, and the primary restarts this
    // worker with the full state.
    logger.error({ err }, 'worker: failed; exiting');
    send({
      t: 'failed',
      code: isGatehouseError(err) ? err.code : ((err as { code?: string }).code ?? undefined),
      message: err instanceof Error ? err.message : String(err),
    });
    // Let the message reach the primary before exiting.
    setImmediate(() => process.exit(1));
  };

  process.on('message', (msg: unknown) => {
    if (!isToWorker(msg) || exiting || failed) return;
    if (queued === 0) {
      try {
        if (handleNow(msg)) return;
      } catch (err) {
        fail(err);
        return;
      }
    }
    queued++;
    chain = chain
      .then(() => (failed ? undefined : handle(msg)))
      .catch(fail)
      .finally(() => queued--);
  });
  // Ctrl-C reaches the whole process group: the primary coordinates the stop, so the worker
  // waits for its `stop`. SIGTERM sent to the worker alone, or a vanished primary, drains it.
  process.on('SIGINT', () => undefined);
  send({ t: 'hello' });
  process.on('SIGTERM', () => void exit(ORPHAN_DRAIN_MS));
  process.on('disconnect', () => void exit(ORPHAN_DRAIN_MS));
}

function required(app: WorkerApp | undefined): WorkerApp {
  if (app === undefined) throw new Error('worker: state message before init');
  return app;
}
