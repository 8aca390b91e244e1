/** A worker that lived at least this long is not in a crash loop. */
const STABLE_MS = 10_000;
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 10_000;

/**
 * How long to wait before restarting a slot's crashed worker: at once after a crash of a worker
 * that ran for a while, doubling from 100 ms to 10 s while it keeps crashing soon after start, so
 * a worker that cannot start (a bad listener, a bug at load) does not spin the primary.
 */
export class RestartBackoff {
  #crashes = 0;

  /** Records a crash of a worker that ran `livedMs`; returns the delay before the restart. */
  next(livedMs: number): number {
    if (livedMs >= STABLE_MS) this.#crashes = 0;
    this.#crashes += 1;
    if (this.#crashes === 1) return 0;
    return Math.min(FIRST_DELAY_MS * 2 ** (this.#crashes - 2), MAX_DELAY_MS);
  }
}
