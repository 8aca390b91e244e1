/** Told when a deadline has passed. */
export interface Expiring {
  expired(): void;
}

/**
 * One timer for a sequence of deadlines (connect, response head, body, idle) whose usual change
 * moves the deadline later: that only writes a number, and the timer, when it fires early,
 * re-arms itself for the rest. Only a deadline earlier than the armed one re-arms at once. A
 * busy keep-alive connection therefore costs a timer operation per period, not per request.
 */
export class Deadline {
  readonly #owner: Expiring;
  #at = Infinity;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;

  constructor(owner: Expiring) {
    this.#owner = owner;
  }

  /** `ms` from now (0 = never). */
  in(ms: number): void {
    this.at(ms > 0 ? performance.now() + ms : Infinity);
  }

  /** At `at` (performance.now() time), or never (Infinity). */
  at(at: number): void {
    this.#at = at;
    if (at < this.#timerAt) this.#arm(performance.now());
  }

  /** No deadline (the timer, if armed, fires once and stops). */
  clear(): void {
    this.#at = Infinity;
  }

  /** Stops the timer for good (the connection is gone). */
  stop(): void {
    this.#at = Infinity;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #arm(now: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(Deadline.#fired, Math.max(1, Math.ceil(this.#at - now)), this);
    this.#timer.unref();
    this.#timerAt = this.#at;
  }

  static #fired(this: void, d: Deadline): void {
    d.#timer = undefined;
    d.#timerAt = Infinity;
    if (d.#at === Infinity) return;
    const now = performance.now();
    // Timers run on the loop's millisecond clock: within 1 ms of the deadline is due.
    if (now < d.#at - 1) {
      d.#arm(now);
      return;
    }
    // Node runs a turn's timers before its I/O: after a stall of the loop (a descheduled
    // process, a long GC) the deadline is due while the bytes that came in meanwhile are still
    // unread. Decide after this turn's I/O, as nginx does (events first, then timers): a read
    // there moves the deadline on and re-arms the timer.
    setImmediate(Deadline.#decide, d, d.#at);
  }

  static #decide(this: void, d: Deadline, due: number): void {
    if (d.#at !== due) return;
    d.#at = Infinity;
    d.#owner.expired();
  }
}
