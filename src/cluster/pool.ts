import cluster from 'node:cluster';
import type { GatewayConfig } from '../config/types.js';
import { GatehouseError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { RestartBackoff } from './backoff.js';
import { RevisionWaiters } from './revision-waiters.js';
import type { StateSnapshot, StateUpdate, WorkerInfo } from './types.js';
import { workerExecArgv } from './worker-argv.js';
import { WorkerLink } from './worker-link.js';

export interface WorkerPoolOptions {
  /** How many workers (>= 1). */
  count: number;
  /** The worker entry script (a module that calls runWorker()). */
  exec: string;
  config: GatewayConfig;
  /** The current full state, read each time a worker starts. */
  state: () => StateSnapshot;
  logger: Logger;
  /** How long a starting worker may take to apply the state and listen (default 60 s). */
  readyTimeoutMs?: number;
  /** How long a stopping worker may take to finish in-flight requests (default 10 s). */
  drainTimeoutMs?: number;
  /**
   * The workers' Node flags (default: `workerExecArgv` of the primary's own flags and
   * `GATEHOUSE_WORKER_NODE_OPTIONS`, read at construction).
   */
  execArgv?: readonly string[];
}

/**
 * The primary's workers (node:cluster; they share the listening ports): starts `count` of them,
 * feeds each the full state then ordered deltas, restarts a crashed one (with back-off), replaces
 * them one by one on reload, and knows which revision each has applied.
 *
 * @example
 *   const pool = new WorkerPool({ count: 4, exec, config, state: () => feed.snapshot(), logger });
 *   await pool.start();
 *   feed.onUpdate((u) => pool.publish(u));
 *   await pool.waitForRevision(rev, 5000); // true once every worker applied rev
 */
export class WorkerPool {
  readonly #opts: WorkerPoolOptions;
  readonly #execArgv: string[];
  #config: GatewayConfig;
  #count: number;
  /** The serving worker of each slot (undefined while a crashed one waits for its restart). */
  #slots: (WorkerLink | undefined)[] = [];
  /** Every worker process that is alive, serving, starting or draining. */
  readonly #links = new Set<WorkerLink>();
  readonly #backoff: RestartBackoff[] = [];
  readonly #restartTimers = new Set<NodeJS.Timeout>();
  readonly #waiters = new RevisionWaiters();
  #started = false;
  #stopping = false;
  #reloading: Promise<void> = Promise.resolve();

  constructor(opts: WorkerPoolOptions) {
    if (!Number.isInteger(opts.count) || opts.count < 1) {
      throw new GatehouseError(
        'GH_ERR_CONFIG_INVALID',
        `nginx_config.worker_processes: must be at least 1 (got ${opts.count})`,
      );
    }
    this.#opts = opts;
    this.#execArgv = [...(opts.execArgv ?? workerExecArgv(process.execArgv, process.env))];
    this.#config = opts.config;
    this.#count = opts.count;
  }

  /** Starts every worker; resolves once all are ready, rejects (and stops them) if one fails. */
  async start(): Promise<void> {
    for (let slot = 0; slot < this.#count; slot++) {
      this.#backoff[slot] = new RestartBackoff();
      this.#slots[slot] = this.#fork(slot, this.#config);
    }
    try {
      await Promise.all(
        this.#slots.map((link) => (link ? this.#awaitReady(link) : Promise.resolve())),
      );
    } catch (err) {
      await this.stop(0);
      throw err;
    }
    this.#started = true;
  }

  /** Sends a store update to every worker, in order. */
  publish(update: StateUpdate): void {
    for (const link of this.#links) link.publish(update);
  }

  /**
   * Resolves true once every live worker (serving or starting) has applied `revision`, false
   * after `timeoutMs`. With no live worker there is nothing to wait for: true.
   */
  waitForRevision(revision: number, timeoutMs: number): Promise<boolean> {
    const lowest = this.#lowestApplied();
    if (lowest < revision) for (const link of this.#links) link.wantAck(revision);
    return this.#waiters.wait(revision, timeoutMs, lowest);
  }

  /**
   * Resolves once every live worker has acknowledged everything it was sent, or after
   * `timeoutMs` (false): a worker acknowledges deltas lazily, so its applied revision as the
   * primary knows it can otherwise lag by up to LAZY_ACK_MS.
   */
  settle(timeoutMs: number): Promise<boolean> {
    let newest = 0;
    for (const link of this.#links) if (link.live) newest = Math.max(newest, link.sent);
    return this.waitForRevision(newest, timeoutMs);
  }

  /** The workers as the Control API lists them, by slot. */
  workers(): WorkerInfo[] {
    return [...this.#links]
      .filter((l) => l.live)
      .map((l) => l.info())
      .sort((a, b) => a.id - b.id);
  }

  /** For `/status/ready`: how many slots there are and how many have a ready worker. */
  readiness(): { count: number; ready: number } {
    const ready = this.#slots.filter((link) => link?.isReady === true).length;
    return { count: this.#count, ready };
  }

  /** Tells the workers the config changed in place (plugins reload), without replacing them. */
  sendConfig(config: GatewayConfig): void {
    this.#config = config;
    for (const link of this.#links) link.sendConfig(config);
  }

  /**
   * Replaces the workers one at a time with workers running `config`: start the new one, wait
   * until it is ready, then drain the old one, so the listeners never lose a worker. If a new
   * worker fails, the rest keep running on the old config.
   */
  replaceAll(config: GatewayConfig, count: number = this.#count): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.#stopping) return;
      this.#config = config;
      const previous = this.#count;
      this.#count = Math.max(1, count);
      const draining: Promise<void>[] = [];
      for (let slot = 0; slot < Math.max(previous, this.#count); slot++) {
        const old = this.#slots[slot];
        if (slot >= this.#count) {
          this.#slots[slot] = undefined;
          if (old) draining.push(old.stop(this.#drainMs()));
          continue;
        }
        this.#backoff[slot] ??= new RestartBackoff();
        const fresh = this.#fork(slot, config);
        try {
          await this.#awaitReady(fresh);
        } catch (err) {
          this.#opts.logger.error(
            { err, slot },
            'reload: a new worker failed; keeping the old ones',
          );
          await fresh.stop(0);
          break;
        }
        if (this.#stopping) return;
        this.#slots[slot] = fresh;
        if (old) draining.push(old.stop(this.#drainMs()));
      }
      this.#slots.length = this.#count;
      await Promise.all(draining);
    };
    this.#reloading = this.#reloading.then(run, run);
    return this.#reloading;
  }

  /** Drains and stops every worker (no restarts from here on). */
  async stop(drainMs: number = this.#drainMs()): Promise<void> {
    this.#stopping = true;
    for (const timer of this.#restartTimers) clearTimeout(timer);
    this.#restartTimers.clear();
    this.#waiters.cancelAll();
    await Promise.all([...this.#links].map((link) => link.stop(drainMs)));
  }

  #fork(slot: number, config: GatewayConfig): WorkerLink {
    // Workers accept on the shared socket themselves (SCHED_NONE) instead of the primary
    // accepting and handing each connection over IPC (SCHED_RR): during a rolling replacement
    // a handed-over connection can be lost with a worker that is disconnecting, leaving the
    // client hanging. Throughput is the same either way here (shared bench/README, cluster.sh).
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({
      exec: this.#opts.exec,
      args: [],
      execArgv: this.#execArgv,
      silent: false,
    });
    const worker = cluster.fork({ GATEHOUSE_WORKER_SLOT: String(slot) });
    const link = new WorkerLink(slot, worker, this.#opts.logger, () => this.#checkWaiters());
    this.#links.add(link);
    link.start(config, this.#opts.state);
    void link.exited.then(({ code, signal }) => this.#onExit(link, code, signal));
    return link;
  }

  async #awaitReady(link: WorkerLink): Promise<void> {
    const ms = this.#opts.readyTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not ready within ${ms} ms`)), ms);
    });
    try {
      await Promise.race([link.ready, timeout]);
    } catch (err) {
      throw new GatehouseError(
        'GH_ERR_CLUSTER_WORKER_START',
        `worker ${link.slot} (pid ${link.pid}) did not start: ${(err as Error).message}`,
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  #onExit(link: WorkerLink, code: number | null, signal: string | null): void {
    this.#links.delete(link);
    this.#checkWaiters();
    const slot = link.slot;
    if (this.#stopping || !this.#started || this.#slots[slot] !== link) return;
    this.#slots[slot] = undefined;
    const delay = (this.#backoff[slot] ??= new RestartBackoff()).next(Date.now() - link.startedAt);
    this.#opts.logger.error(
      { slot, pid: link.pid, code, signal, restartInMs: delay },
      'worker exited unexpectedly; restarting it',
    );
    const timer = setTimeout(() => {
      this.#restartTimers.delete(timer);
      if (this.#stopping || this.#slots[slot] !== undefined) return;
      this.#slots[slot] = this.#fork(slot, this.#config);
    }, delay);
    this.#restartTimers.add(timer);
  }

  #lowestApplied(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const link of this.#links) if (link.live) lowest = Math.min(lowest, link.applied);
    return lowest;
  }

  #checkWaiters(): void {
    this.#waiters.check(this.#lowestApplied());
  }

  #drainMs(): number {
    return this.#opts.drainTimeoutMs ?? 10_000;
  }
}
