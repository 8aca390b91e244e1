import type { Logger } from '../../core/logger.js';
import type { StoreHealth } from '../types.js';

/**
 * Whether etcd is reachable, from what the client sees. etcd3 retries a lost connection
 * forever, so a watch never ends with an error when etcd goes away: the watch stream's
 * connected/disconnected events and the outcome of the last call are the only signals.
 * Either one down means down; `since` is when the first of them went down.
 */
export class ConnectionHealth {
  readonly #logger: Logger;
  readonly #hosts: string;
  #streamDown: { since: number; error: string } | undefined;
  #callDown: { since: number; error: string } | undefined;
  /** A store that never reached etcd logs nothing: its opener reports the failure. */
  #everConnected = false;

  constructor(hosts: readonly string[], logger: Logger) {
    this.#hosts = hosts.join(', ');
    this.#logger = logger;
  }

  streamLost(error: string): void {
    const was = this.connected;
    this.#streamDown ??= { since: Date.now(), error };
    this.#streamDown.error = error;
    this.#logTransition(was);
  }

  streamConnected(): void {
    const was = this.connected;
    this.#everConnected = true;
    this.#streamDown = undefined;
    this.#logTransition(was);
  }

  callFailed(error: string): void {
    const was = this.connected;
    this.#callDown ??= { since: Date.now(), error };
    this.#callDown.error = error;
    this.#logTransition(was);
  }

  callSucceeded(): void {
    this.#everConnected = true;
    if (this.#callDown === undefined) return;
    const was = this.connected;
    this.#callDown = undefined;
    this.#logTransition(was);
  }

  get connected(): boolean {
    return this.#streamDown === undefined && this.#callDown === undefined;
  }

  snapshot(): StoreHealth {
    const downs = [this.#streamDown, this.#callDown].filter((d) => d !== undefined);
    if (downs.length === 0) return { connected: true };
    const first = downs.reduce((a, b) => (b.since < a.since ? b : a));
    const latest = this.#callDown ?? first;
    return { connected: false, since: first.since, error: latest.error };
  }

  #logTransition(was: boolean): void {
    const now = this.connected;
    if (was === now || !this.#everConnected) return;
    if (now) this.#logger.info({ hosts: this.#hosts }, 'etcd is reachable again');
    else {
      const { error } = this.snapshot();
      this.#logger.warn(
        { hosts: this.#hosts, error },
        'etcd is unreachable; serving the last config',
      );
    }
  }
}
