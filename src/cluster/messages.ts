/**
 * The IPC vocabulary between the primary and its workers (DESIGN.md "Process model"). Messages
 * are small and typed: a full state travels as `reset-begin`, `reset-chunk`s, `reset-end` so that
 * no single message (and no single synchronous serialisation in the primary) holds 100k routes.
 */
import type { GatewayConfig } from '../config/types.js';
import type { KeyValue, WatchEvent } from '../core/kv.js';

/** Primary → worker. */
export type ToWorker =
  /** First message: the config the worker runs with (also after a reload, for new workers). */
  | { t: 'init'; config: GatewayConfig }
  /** A full state follows, `total` items in chunks, at `revision`. */
  | { t: 'reset-begin'; revision: number; total: number }
  | { t: 'reset-chunk'; items: KeyValue[] }
  | { t: 'reset-end'; revision: number }
  /**
   * One ordered delta from the store's watch. The worker acknowledges it at once when `ack` is
   * set (someone waits for it), otherwise within LAZY_ACK_MS, one ack for all applied meanwhile.
   */
  | { t: 'events'; revision: number; events: WatchEvent[]; ack?: true }
  /** Acknowledge the applied revision now (after everything sent before: a waiter came). */
  | { t: 'ack-now' }
  /** The plugin lists changed (plugins reload): rebuild what depends on them. */
  | { t: 'config'; config: GatewayConfig }
  /** Stop accepting, let in-flight requests finish (at most `drainMs`), then exit 0. */
  | { t: 'stop'; drainMs: number };

/** Worker → primary. */
export type ToPrimary =
  /**
   * The worker's message handler is installed: send `init`. (IPC messages that arrive before an
   * ESM entry has loaded would be emitted to no listener and lost.)
   */
  | { t: 'hello' }
  /** The first reset is applied and every listener is open. */
  | { t: 'ready'; revision: number }
  /** `revision` is applied (after a reset or an events batch). */
  | { t: 'ack'; revision: number }
  /** Start-up failed (a listener could not bind, the state could not be built). */
  | { t: 'failed'; code: string | undefined; message: string };

const TO_WORKER = new Set([
  'init',
  'reset-begin',
  'reset-chunk',
  'reset-end',
  'events',
  'ack-now',
  'config',
  'stop',
]);
const TO_PRIMARY = new Set(['hello', 'ready', 'ack', 'failed']);

function tagOf(msg: unknown): unknown {
  return typeof msg === 'object' && msg !== null ? (msg as { t?: unknown }).t : undefined;
}

/**
 * Whether an IPC message is one of ours. The channel only carries what our own processes send,
 * so the tag is the check; anything else (a stray `process.send` from a library) is ignored.
 */
export function isToWorker(msg: unknown): msg is ToWorker {
  const t = tagOf(msg);
  return typeof t === 'string' && TO_WORKER.has(t);
}

export function isToPrimary(msg: unknown): msg is ToPrimary {
  const t = tagOf(msg);
  return typeof t === 'string' && TO_PRIMARY.has(t);
}

/**
 * How long a worker may keep an applied delta unacknowledged when nobody waits for it. Every
 * ack wakes the primary and the worker (on these VMs a wake-up costs 0.1-0.2 ms of CPU); deltas
 * nobody waits for are acknowledged together, at most once a second (at 100 ms, under 50 route
 * writes a second, the acks were a twentieth of the primary's wake-ups). Nothing reads the
 * lazy value: write-and-wait asks for its ack (`ack` on the delta, or `ack-now`), and the
 * Control API asks for the acks it lacks before it answers (WorkerPool.settle).
 */
export const LAZY_ACK_MS = 1000;

/** Items per `reset-chunk`: ~200 KB of JSON for typical routes, a millisecond or so to encode. */
export const RESET_CHUNK_ITEMS = 1000;
