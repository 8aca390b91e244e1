/** setTimeout's longest delay; a later expiry is re-armed when this one fires. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * One timer armed for the earliest lease expiry. Unref'd: pending leases never keep the process
 * alive (expiry also runs at the next open, so nothing is lost by exiting).
 */
export class LeaseTimer {
  readonly #fire: () => void;
  #timer: NodeJS.Timeout | undefined;
  #armedFor: number | undefined;

  constructor(fire: () => void) {
    this.#fire = fire;
  }

  /** Arms the timer for `atMs` (ms since the epoch) unless it already fires earlier. */
  arm(atMs: number | undefined): void {
    if (atMs === undefined) return;
    if (this.#armedFor !== undefined && this.#armedFor <= atMs) return;
    this.stop();
    this.#armedFor = atMs;
    const delay = Math.min(Math.max(atMs - Date.now(), 0), MAX_DELAY_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#armedFor = undefined;
      this.#fire();
    }, delay);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = undefined;
  }
}
