import { createConnection, type Socket } from 'node:net';
import type { QuotaTake, SharedQuotas } from '../plugin/types.js';
import { QuotaTable, type Holder } from './quota-table.js';
import {
  GRANT,
  onLines,
  RETURN,
  type GrantMessage,
  type PrimaryMessage,
  type WorkerMessage,
} from './quota-wire.js';

interface Waiter {
  readonly cost: number;
  readonly limit: number;
  readonly windowMs: number;
  readonly resolve: (take: QuotaTake) => void;
  readonly reject: (err: Error) => void;
}

/** One namespace's leases: counter space → key → lease. */
type Spaces = Map<string, Map<string, Lease>>;

/** This worker's view of one key's current window. */
interface Lease {
  /** The whole key, as the primary knows it: namespace, space and key. */
  readonly key: string;
  /** Where the lease is found: `tree.get(space).get(sub)`. */
  readonly tree: Spaces;
  readonly space: string;
  readonly sub: string;
  /** Units held in advance, spent without asking the primary. */
  units: number;
  expiresAt: number;
  /** Units nobody held at the last grant. */
  remaining: number;
  /** Takes served from the lease since the last grant: sizes the next one. */
  spent: number;
  /** Units of the last lease: once half of it is spent, the next is asked for ahead. */
  leased: number;
  /** A lease to ask for ahead of need, with these parameters (undefined: none due). */
  ahead: Ask | undefined;
  /** The primary refused at this limit: the window is used up (0: not refused). */
  refusedAt: number;
  /** Requests to ask the primary about at the next flush. */
  waiting: Waiter[];
  /** Grant requests sent and not answered. */
  inflight: number;
}

interface Ask {
  readonly cost: number;
  readonly limit: number;
  readonly windowMs: number;
}

interface Pending {
  readonly key: string;
  readonly waiters: Waiter[];
}

/**
 * A lease asks for at least MIN_WANT and at most MAX_WANT requests' worth of units. A cap of 4096
 * keeps a saturated worker's asks to a few per second: each wakes the primary, which costs
 * ~150 µs of CPU on the core the worker may share (bench/plugin-cost.sh, primary column).
 */
const MIN_WANT = 8;
const MAX_WANT = 4096;
const SWEEP_MS = 10_000;

const admittedTake = (remaining: number, expiresAt: number, first: boolean): QuotaTake => ({
  admitted: true,
  remaining,
  expiresAt,
  first,
});
const refusedTake = (expiresAt: number): QuotaTake => ({
  admitted: false,
  remaining: 0,
  expiresAt,
  first: false,
});

/** Outside a gateway worker (tests, tools): one process, so the table is simply local. */
const NO_HOLDER: Holder = { recall: () => undefined };
const IGNORE = (): void => undefined;

/**
 * A worker's end of the node-wide quotas (see quota-table.ts). Takes are synchronous while the
 * worker holds units of the key's window; the others of one event-loop turn go to the primary
 * as one line. Without a socket path it counts in its own memory, exact for that one process.
 */
export class QuotaClient {
  readonly #path: string | undefined;
  readonly #local: QuotaTable | undefined;
  /** By whole key (messages from the primary)... */
  readonly #leases = new Map<string, Lease>();
  /**
   * ...and by namespace, space and key, what a take looks up: those strings each keep their
   * hash, where the whole key would be a new string per request, hashed each time.
   */
  readonly #trees = new Map<string, Spaces>();
  readonly #pending = new Map<number, Pending>();
  /** Keys with waiting requests. */
  readonly #dirty = new Set<string>();
  #outbox: WorkerMessage[] = [];
  #scheduled = false;
  #socket: Socket | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #id = 0;
  readonly #flush = (): void => this.#send();

  constructor(socketPath: string | undefined) {
    this.#path = socketPath;
    this.#local = socketPath === undefined ? new QuotaTable() : undefined;
  }

  /** A take of `key` outside any namespace. */
  take(
    key: string,
    cost: number,
    limit: number,
    windowMs: number,
    now = Date.now(),
  ): QuotaTake | Promise<QuotaTake> {
    return this.#take(this.#tree(''), '', '', key, cost, limit, windowMs, now);
  }

  #take(
    tree: Spaces,
    prefix: string,
    space: string,
    sub: string,
    cost: number,
    limit: number,
    windowMs: number,
    now: number,
  ): QuotaTake | Promise<QuotaTake> {
    if (this.#local !== undefined) {
      const key = prefix + space + sub;
      const g = this.#local.grant(
        { key, n: 1, cost, limit, windowMs, want: 0, from: NO_HOLDER, done: IGNORE },
        now,
      )!;
      return g.admitted === 1
        ? admittedTake(g.remaining, g.expiresAt, g.first)
        : refusedTake(g.expiresAt);
    }
    const l = tree.get(space)?.get(sub) ?? this.#lease(tree, prefix, space, sub);
    if (l.expiresAt > now && l.waiting.length === 0) {
      if (l.units >= cost) {
        l.units -= cost;
        l.spent++;
        if (2 * l.units < l.leased && l.inflight === 0 && l.ahead === undefined) {
          // Half the lease is gone: ask for the next one now, so that takes stay synchronous.
          l.ahead = { cost, limit, windowMs };
          this.#dirty.add(l.key);
          this.#schedule();
        }
        return admittedTake(l.remaining + l.units, l.expiresAt, false);
      }
      if (l.refusedAt !== 0 && limit <= l.refusedAt) return refusedTake(l.expiresAt);
    }
    return new Promise((resolve, reject) => {
      l.waiting.push({ cost, limit, windowMs, resolve, reject });
      this.#dirty.add(l.key);
      this.#schedule();
    });
  }

  /**
   * The lease of a key not found by its space and key: a new one, or the one another split of
   * the same whole key made (`a:` + `b:c` and `a:b:` + `c` are one counter), which stays found
   * by its whole key only.
   */
  #lease(tree: Spaces, prefix: string, space: string, sub: string): Lease {
    const key = prefix + space + sub;
    const known = this.#leases.get(key);
    if (known !== undefined) return known;
    const l: Lease = {
      key,
      tree,
      space,
      sub,
      units: 0,
      expiresAt: 0,
      remaining: 0,
      spent: 0,
      leased: 0,
      ahead: undefined,
      refusedAt: 0,
      waiting: [],
      inflight: 0,
    };
    this.#leases.set(key, l);
    let bySub = tree.get(space);
    if (bySub === undefined) tree.set(space, (bySub = new Map<string, Lease>()));
    bySub.set(sub, l);
    this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS).unref();
    return l;
  }

  /** Quotas of one plugin: keys namespaced by `name`. */
  namespace(name: string): SharedQuotas {
    const prefix = `${name}\u0000`;
    const tree = this.#tree(prefix);
    return {
      take: (space, key, cost, limit, windowMs, now = Date.now()) =>
        this.#take(tree, prefix, space, key, cost, limit, windowMs, now),
    };
  }

  #tree(prefix: string): Spaces {
    let tree = this.#trees.get(prefix);
    if (tree === undefined) this.#trees.set(prefix, (tree = new Map<string, Map<string, Lease>>()));
    return tree;
  }

  #forget(l: Lease): void {
    this.#leases.delete(l.key);
    const bySub = l.tree.get(l.space);
    if (bySub?.get(l.sub) !== l) return;
    bySub.delete(l.sub);
    if (bySub.size === 0) l.tree.delete(l.space);
  }

  close(): void {
    clearInterval(this.#sweeper);
    this.#socket?.destroy();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#flush);
  }

  #send(): void {
    this.#scheduled = false;
    const out = this.#outbox;
    this.#outbox = [];
    for (const key of this.#dirty) {
      const l = this.#leases.get(key)!;
      // Twice what was spent or leased last time: a busy key's lease doubles up to MAX_WANT.
      const want = Math.min(MAX_WANT, Math.max(MIN_WANT, 2 * l.spent, 2 * l.leased));
      l.spent = 0;
      const ahead = l.ahead;
      l.ahead = undefined;
      if (l.waiting.length === 0) {
        if (ahead === undefined || l.inflight > 0) continue;
        // No request waits: only units for the lease (n = 0).
        const id = ++this.#id;
        this.#pending.set(id, { key, waiters: [] });
        l.inflight++;
        const { cost, limit, windowMs } = ahead;
        out.push([GRANT, id, key, 0, cost, limit, windowMs, want] satisfies GrantMessage);
        continue;
      }
      // One grant per run of requests alike (a template count can vary the limit).
      let start = 0;
      const all = l.waiting;
      l.waiting = [];
      while (start < all.length) {
        const { cost, limit, windowMs } = all[start]!;
        let end = start + 1;
        while (end < all.length && alike(all[end]!, cost, limit, windowMs)) end++;
        const id = ++this.#id;
        this.#pending.set(id, { key, waiters: all.slice(start, end) });
        l.inflight++;
        out.push([GRANT, id, key, end - start, cost, limit, windowMs, want] satisfies GrantMessage);
        start = end;
      }
    }
    this.#dirty.clear();
    if (out.length > 0) (this.#socket ??= this.#connect()).write(JSON.stringify(out) + '\n');
  }

  #receive(messages: PrimaryMessage[]): void {
    for (const m of messages) {
      if (m[0] === GRANT) {
        const [, id, admitted, extra, remaining, expiresAt, first] = m;
        const p = this.#pending.get(id);
        if (p === undefined) continue;
        this.#pending.delete(id);
        const l = this.#leases.get(p.key)!;
        l.inflight--;
        if (l.expiresAt !== expiresAt) {
          l.units = 0;
          l.refusedAt = 0;
          l.expiresAt = expiresAt;
        }
        l.units += extra;
        l.leased = extra;
        l.remaining = remaining;
        const { waiters } = p;
        for (let i = 0; i < waiters.length; i++) {
          const w = waiters[i]!;
          if (i < admitted) {
            const left = remaining + l.units + (admitted - 1 - i) * w.cost;
            w.resolve(admittedTake(left, expiresAt, first === 1 && i === 0));
          } else {
            l.refusedAt = Math.max(l.refusedAt, w.limit);
            w.resolve(refusedTake(expiresAt));
          }
        }
        if (l.waiting.length > 0) this.#serveWaiting(p.key, l);
      } else {
        const [, key, expiresAt] = m;
        const l = this.#leases.get(key);
        let units = 0;
        if (l !== undefined && l.expiresAt === expiresAt) {
          units = l.units;
          l.units = 0;
        }
        this.#outbox.push([RETURN, key, expiresAt, units]);
        this.#schedule();
      }
    }
  }

  /** Requests that queued during a grant: served from its lease if it covers them. */
  #serveWaiting(key: string, l: Lease): void {
    const now = Date.now();
    if (l.expiresAt <= now) return;
    let i = 0;
    for (; i < l.waiting.length; i++) {
      const w = l.waiting[i]!;
      if (l.units >= w.cost) {
        l.units -= w.cost;
        w.resolve(admittedTake(l.remaining + l.units, l.expiresAt, false));
      } else if (l.refusedAt !== 0 && w.limit <= l.refusedAt) {
        w.resolve(refusedTake(l.expiresAt));
      } else break;
    }
    l.waiting.splice(0, i);
    if (l.waiting.length === 0) this.#dirty.delete(key);
  }

  #connect(): Socket {
    const socket = createConnection(this.#path!);
    socket.setNoDelay(true);
    socket.unref();
    onLines(socket, (line) => this.#receive(JSON.parse(line) as PrimaryMessage[]));
    const fail = (err: Error): void => {
      // Requests waiting on the primary fail (the plugin answers 500 or degrades); leases are
      // dropped; the next take reconnects.
      if (this.#socket === socket) this.#socket = undefined;
      for (const p of this.#pending.values()) for (const w of p.waiters) w.reject(err);
      for (const l of this.#leases.values()) for (const w of l.waiting) w.reject(err);
      this.#pending.clear();
      this.#leases.clear();
      for (const tree of this.#trees.values()) tree.clear();
      this.#dirty.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('node-wide quotas: connection to the primary closed')));
    return socket;
  }

  /** Forgets the leases of windows that ended and wait for nothing. */
  #sweep(): void {
    const now = Date.now();
    for (const l of this.#leases.values()) {
      if (l.expiresAt <= now && l.inflight === 0 && l.waiting.length === 0) this.#forget(l);
    }
  }
}

function alike(w: Waiter, cost: number, limit: number, windowMs: number): boolean {
  return w.cost === cost && w.limit === limit && w.windowMs === windowMs;
}
