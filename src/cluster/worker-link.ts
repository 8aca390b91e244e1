import type { Worker } from 'node:cluster';
import type { GatewayConfig } from '../config/types.js';
import type { KeyValue } from '../core/kv.js';
import type { Logger } from '../core/logger.js';
import { isToPrimary, RESET_CHUNK_ITEMS, type ToPrimary, type ToWorker } from './messages.js';
import type { StateSnapshot, StateUpdate, WorkerInfo } from './types.js';

type Phase = 'starting' | 'ready' | 'stopping' | 'exited';

/**
 * The primary's side of one worker: sends it the config, a chunked full state, then deltas in
 * order, and records what it acknowledged. While a reset is being sent (a chunk per macrotask so
 * the primary keeps serving), deltas are queued and sent after it, so the worker sees them in
 * revision order. Deltas are acknowledged lazily unless a waiter asks (wantAck).
 */
export class WorkerLink {
  readonly slot: number;
  readonly worker: Worker;
  readonly startedAt = Date.now();
  #phase: Phase = 'starting';
  #applied = 0;
  #sending = false;
  #queued: StateUpdate[] = [];
  #sentRevision = 0;
  /** The highest revision a waitForRevision caller wants this worker to acknowledge. */
  #ackWanted = 0;
  /** The highest revision an `ack-now` was sent for (one request per revision is enough). */
  #ackAsked = 0;
  #start: (() => void) | undefined;
  readonly #logger: Logger;
  readonly #onAck: () => void;
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;

  constructor(slot: number, worker: Worker, logger: Logger, onAck: () => void) {
    this.slot = slot;
    this.worker = worker;
    this.#logger = logger;
    this.#onAck = onAck;
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code: number | null, signal: string | null) => {
        this.#phase = 'exited';
        resolve({ code, signal });
      }),
    );
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: unknown) => {
        if (!isToPrimary(msg)) return;
        this.#onMessage(msg, resolve, reject);
      });
      void this.exited.then(({ code, signal }) =>
        reject(new Error(`worker exited before it was ready (${signal ?? `code ${code}`})`)),
      );
    });
    // Nobody may be waiting on `ready` (a crash-restarted worker); the rejection is expected.
    this.ready.catch(() => undefined);
  }

  get pid(): number {
    return this.worker.process.pid ?? 0;
  }

  get applied(): number {
    return this.#applied;
  }

  /** The newest revision sent to this worker (a reset or a delta). */
  get sent(): number {
    return this.#sentRevision;
  }

  /** Alive and not being stopped: counts for readiness and for waitForRevision. */
  get live(): boolean {
    return this.#phase === 'starting' || this.#phase === 'ready';
  }

  get isReady(): boolean {
    return this.#phase === 'ready';
  }

  info(): WorkerInfo {
    return { id: this.slot, pid: this.pid, applied_revision: this.#applied, ready: this.isReady };
  }

  /**
   * Once the worker says hello: sends the config, then the full state as it is at that moment.
   * Deltas published meanwhile follow it.
   */
  start(config: GatewayConfig, state: () => StateSnapshot): void {
    this.#start = () => {
      this.#send({ t: 'init', config });
      const snapshot = state();
      this.#sendReset(snapshot.revision, [...snapshot.items]);
    };
  }

  publish(update: StateUpdate): void {
    if (this.#phase === 'exited' || this.#phase === 'stopping') return;
    // Before hello, the reset that start() sends will include this update.
    if (this.#start !== undefined) return;
    if (this.#sending) {
      this.#queued.push(update);
      return;
    }
    if (update.kind === 'reset') {
      this.#sendReset(update.revision, update.items);
      return;
    }
    if (update.revision <= this.#sentRevision) return;
    this.#sentRevision = update.revision;
    const events = [...update.events];
    if (this.#ackWanted > this.#applied) {
      this.#ackAsked = Math.max(this.#ackAsked, update.revision);
      this.#send({ t: 'events', revision: update.revision, events, ack: true });
    } else {
      this.#send({ t: 'events', revision: update.revision, events });
    }
  }

  /**
   * Someone waits until this worker has applied `revision`: it acknowledges at once instead of
   * lazily, asked now if the revision was already sent, else with the delta that carries it.
   */
  wantAck(revision: number): void {
    if (revision <= this.#applied || !this.live) return;
    this.#ackWanted = Math.max(this.#ackWanted, revision);
    const sent = Math.min(this.#sentRevision, revision);
    if (this.#start !== undefined || this.#sending || sent <= this.#ackAsked) return;
    this.#ackAsked = sent;
    this.#send({ t: 'ack-now' });
  }

  sendConfig(config: GatewayConfig): void {
    if (this.live) this.#send({ t: 'config', config });
  }

  /** Asks the worker to drain and exit; kills it if it has not exited `graceMs` after the drain. */
  async stop(drainMs: number, graceMs = 2000): Promise<void> {
    if (this.#phase === 'exited') return;
    this.#phase = 'stopping';
    this.#send({ t: 'stop', drainMs });
    const timer = setTimeout(() => {
      this.#logger.warn({ pid: this.pid }, 'worker did not exit after draining; killing it');
      this.worker.process.kill('SIGKILL');
    }, drainMs + graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  #sendReset(revision: number, items: readonly KeyValue[]): void {
    this.#sending = true;
    this.#sentRevision = revision;
    this.#send({ t: 'reset-begin', revision, total: items.length });
    let offset = 0;
    const next = (): void => {
      if (this.#phase === 'exited') return;
      if (offset < items.length) {
        this.#send({ t: 'reset-chunk', items: items.slice(offset, offset + RESET_CHUNK_ITEMS) });
        offset += RESET_CHUNK_ITEMS;
        setImmediate(next);
        return;
      }
      this.#send({ t: 'reset-end', revision });
      this.#sending = false;
      const queued = this.#queued;
      this.#queued = [];
      for (const update of queued) this.publish(update);
    };
    next();
  }

  #send(msg: ToWorker): void {
    if (!this.worker.isConnected()) return;
    this.worker.send(msg, (err: Error | null) => {
      // A worker that died mid-send is handled by its exit; nothing to do for the message.
      if (err !== null) this.#logger.debug({ err, pid: this.pid }, 'ipc send failed');
    });
  }

  #onMessage(msg: ToPrimary, resolve: () => void, reject: (err: Error) => void): void {
    switch (msg.t) {
      case 'hello': {
        const start = this.#start;
        this.#start = undefined;
        start?.();
        return;
      }
      case 'ack':
        this.#applied = Math.max(this.#applied, msg.revision);
        this.#onAck();
        return;
      case 'ready':
        this.#applied = Math.max(this.#applied, msg.revision);
        if (this.#phase === 'starting') this.#phase = 'ready';
        resolve();
        this.#onAck();
        return;
      case 'failed':
        reject(Object.assign(new Error(msg.message), { code: msg.code }));
        return;
    }
  }
}
