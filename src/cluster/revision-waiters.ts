interface Waiter {
  revision: number;
  resolve: (applied: boolean) => void;
  timer: NodeJS.Timeout;
}

/**
 * Pending `waitForRevision` calls. `check(applied)` runs on every acknowledgement and every
 * worker exit with the lowest revision all live workers have applied, and settles the waiters
 * it satisfies; a waiter that times out resolves false.
 */
export class RevisionWaiters {
  #waiters: Waiter[] = [];

  wait(revision: number, timeoutMs: number, lowestApplied: number): Promise<boolean> {
    if (lowestApplied >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        revision,
        resolve,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  check(lowestApplied: number): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.revision <= lowestApplied) {
        clearTimeout(waiter.timer);
        waiter.resolve(true);
      } else {
        still.push(waiter);
      }
    }
    this.#waiters = still;
  }

  /** Settles everything as not applied (the pool is stopping). */
  cancelAll(): void {
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    this.#waiters = [];
  }
}
