/**
 * The primary's node-wide quotas (limit-count `policy: local`): fixed windows that hand out
 * units to the workers. A worker asks for the units of its waiting requests and, while the
 * window has plenty left, for a lease of extra units that it then spends on its own, with no
 * round trip. Units are never created or lost, so a window admits at most `limit` in total; and
 * a request is refused only once every lease has been called back (a recall), so it never
 * admits fewer while units sit unused in some worker. Only the `X-RateLimit-Remaining` a worker
 * reports is approximate: it cannot see what the other workers still hold.
 */

/** A worker that may hold leased units: asked to give them back. */
export interface Holder {
  recall(key: string, expiresAt: number): void;
}

export interface GrantRequest {
  readonly key: string;
  /** Requests waiting, each for `cost` units. */
  readonly n: number;
  readonly cost: number;
  readonly limit: number;
  readonly windowMs: number;
  /** Extra requests' worth of units the worker would like to hold (0: none). */
  readonly want: number;
  readonly from: Holder;
  /** Called once, maybe later (after a recall). */
  readonly done: (grant: Grant) => void;
}

export interface Grant {
  /** How many of the `n` requests are admitted (the first ones). */
  readonly admitted: number;
  /** Units leased on top, now the worker's to spend in this window. */
  readonly extra: number;
  /** Units left in the window that nobody holds. */
  readonly remaining: number;
  readonly expiresAt: number;
  /** This grant opened the window. */
  readonly first: boolean;
}

interface Window {
  readonly expiresAt: number;
  /** Units admitted or leased in this window. */
  granted: number;
  opened: boolean;
  /** Workers given a lease since the last recall. */
  readonly holders: Set<Holder>;
  /** Recalled holders that have not answered yet. */
  readonly awaiting: Set<Holder>;
  /** Requests waiting for the recall to finish. */
  queue: GrantRequest[];
}

/**
 * A lease is at most 1/LEASE_SHARE of the units nobody holds, split between the workers, and is
 * not worth a lease below MIN_LEASE requests: near its limit a window is counted request by
 * request, and small limits never lease at all.
 */
const LEASE_SHARE = 4;
const MIN_LEASE = 4;

export class QuotaTable {
  readonly #windows = new Map<string, Window>();
  /** How many workers share the leases. */
  workers = 1;

  /** Decides `req` now and returns its grant, or queues it behind a recall (undefined). */
  grant(req: GrantRequest, now: number): Grant | undefined {
    if (req.n === 0 && !((this.#windows.get(req.key)?.expiresAt ?? 0) > now)) {
      // A lease asked ahead of need never opens a window: a window starts at a request, as
      // APISIX's does, and that request reports the whole window. An already ended grant
      // tells the worker to ask again with its next request.
      return { admitted: 0, extra: 0, remaining: req.limit, expiresAt: now, first: false };
    }
    const w = this.#window(req.key, req.windowMs, now);
    if (w.awaiting.size > 0) {
      w.queue.push(req);
      return undefined;
    }
    return this.#decide(w, req);
  }

  /** A holder's answer to a recall: its unspent units of that window. */
  returned(key: string, expiresAt: number, units: number, from: Holder): void {
    const w = this.#windows.get(key);
    if (w === undefined || w.expiresAt !== expiresAt || !w.awaiting.delete(from)) return;
    w.granted -= units;
    this.#resume(w);
  }

  /** A holder is gone (its worker exited): its leases count as spent, its recalls as answered. */
  forget(holder: Holder): void {
    for (const w of this.#windows.values()) {
      w.holders.delete(holder);
      if (w.awaiting.delete(holder)) this.#resume(w);
    }
  }

  sweep(now: number): void {
    for (const [key, w] of this.#windows) {
      if (w.expiresAt <= now && w.awaiting.size === 0) this.#windows.delete(key);
    }
  }

  get size(): number {
    return this.#windows.size;
  }

  #window(key: string, windowMs: number, now: number): Window {
    const w = this.#windows.get(key);
    if (w !== undefined && w.expiresAt > now) return w;
    const fresh: Window = {
      expiresAt: now + windowMs,
      granted: 0,
      opened: false,
      holders: new Set(),
      awaiting: new Set(),
      queue: [],
    };
    this.#windows.set(key, fresh);
    // Requests still waiting on the old window's recall are decided in the new one.
    if (w !== undefined) {
      for (const req of w.queue) {
        const grant = this.#decide(fresh, req);
        if (grant !== undefined) req.done(grant);
      }
    }
    return fresh;
  }

  /** Once every recalled holder answered, decides the requests that waited, in order. */
  #resume(w: Window): void {
    if (w.awaiting.size > 0) return;
    const queue = w.queue;
    w.queue = [];
    for (const req of queue) {
      if (w.awaiting.size > 0) w.queue.push(req);
      else {
        const grant = this.#decide(w, req);
        if (grant !== undefined) req.done(grant);
      }
    }
  }

  #decide(w: Window, req: GrantRequest): Grant | undefined {
    const { n, cost, limit } = req;
    const admitted = Math.min(n, Math.max(0, Math.floor((limit - w.granted) / cost)));
    if (admitted < n && w.holders.size > 0) {
      for (const h of w.holders) w.awaiting.add(h);
      w.holders.clear();
      w.queue.push(req);
      for (const h of w.awaiting) h.recall(req.key, w.expiresAt);
      return undefined;
    }
    w.granted += admitted * cost;
    let extra = 0;
    if (admitted === n && req.want > 0) {
      const share = Math.floor((limit - w.granted) / (LEASE_SHARE * this.workers * cost));
      const lease = Math.min(req.want, share);
      if (lease >= MIN_LEASE) {
        extra = lease * cost;
        w.granted += extra;
        w.holders.add(req.from);
      }
    }
    const first = !w.opened;
    w.opened = true;
    return {
      admitted,
      extra,
      remaining: Math.max(limit - w.granted, 0),
      expiresAt: w.expiresAt,
      first,
    };
  }
}
