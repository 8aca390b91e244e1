import { createHook } from 'node:async_hooks';

/** The pinned tick object: never read, only kept reachable. */
let pinned: object | undefined;

/**
 * Keeps one `process.nextTick` queue entry alive for the life of the process, so that the
 * hidden class of every tick object (`{ [async_id_symbol], [trigger_async_id_symbol], callback,
 * args }`) stays the same one.
 *
 * Why: V8 remembers, for each computed property of an object literal, the one hidden class it
 * saw, and compiles the literal into fast stores only while that stays true. Hidden classes that
 * no live object uses die in a full GC; the next tick object then gets a new class, and the
 * literal falls back to a runtime call per property for good. A worker that applies a large
 * route table goes through several full GCs while its tick queue is empty, and was left with a
 * `process.nextTick` 3-5× slower (~100 → ~350 ns; ten or so per proxied request, ~6 % of the
 * worker's CPU with 100k routes; bench/README.md, "Route scale"). Workers call this before they
 * receive any config.
 */
export function pinTickObjectShape(): void {
  if (pinned !== undefined) return;
  // Node hands the tick object itself to `init` hooks as the resource of a 'TickObject'.
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject') pinned ??= resource;
    },
  });
  hook.enable();
  process.nextTick(() => {});
  hook.disable();
}
