import assert from 'node:assert/strict';
import type { WatchBatch, WatchEvent } from '../../src/store/types.js';

/** Collects what a watch delivers, and waits (with a deadline) for what a test expects. */
export class WatchRecorder {
  readonly batches: WatchBatch[] = [];
  readonly onBatch = (batch: WatchBatch): void => {
    this.batches.push(batch);
  };

  /** Every event of every `events` batch, in delivery order. */
  events(): Array<WatchEvent & { revision: number }> {
    return this.batches.flatMap((b) =>
      b.kind === 'events' ? b.events.map((e) => ({ ...e, revision: b.revision })) : [],
    );
  }

  async waitFor(what: string, done: (r: WatchRecorder) => boolean, timeoutMs = 5000) {
    await waitUntil(
      what,
      () => done(this),
      timeoutMs,
      () => JSON.stringify(this.batches),
    );
  }

  async waitForEvents(count: number, timeoutMs = 5000) {
    await this.waitFor(`${count} events`, (r) => r.events().length >= count, timeoutMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Key of a watch event, whatever its type. */
export function eventKey(e: WatchEvent): string {
  return e.type === 'put' ? e.kv.key : e.key;
}

/** Polls `done` until it holds; fails the test after `timeoutMs`, showing `got()`. */
export async function waitUntil(
  what: string,
  done: () => boolean,
  timeoutMs = 5000,
  got: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; got ${got()}`);
    await sleep(5);
  }
}
