import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { KeyValue } from '../core/kv.js';
import type { Logger } from '../core/logger.js';

/** What a node last read from its store: every key under `prefix`, at `revision`. */
export interface LastKnownGood {
  prefix: string;
  revision: number;
  /** When it was written (ms since the epoch). */
  savedAt: number;
  items: KeyValue[];
}

const FORMAT = 1;

/**
 * Reads the snapshot at `file`; undefined when there is none, it is unreadable, or it was taken
 * under another prefix (a snapshot of another config must never be served).
 */
export function readLastKnownGood(
  file: string,
  prefix: string,
  logger: Logger,
): LastKnownGood | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      logger.warn({ err, file }, 'last-known-good snapshot unreadable; ignored');
    }
    return undefined;
  }
  try {
    const doc = JSON.parse(text) as Partial<LastKnownGood> & { format?: number };
    if (doc.format !== FORMAT || !Array.isArray(doc.items) || typeof doc.revision !== 'number') {
      throw new Error('not a Gatehouse snapshot of format 1');
    }
    if (doc.prefix !== prefix) {
      logger.warn(
        { file, was: doc.prefix, prefix },
        'last-known-good snapshot is of another prefix; ignored',
      );
      return undefined;
    }
    return { prefix, revision: doc.revision, savedAt: doc.savedAt ?? 0, items: doc.items };
  } catch (err) {
    logger.warn({ err, file }, 'last-known-good snapshot is damaged; ignored');
    return undefined;
  }
}

function encode(prefix: string, revision: number, items: Iterable<KeyValue>): string {
  return JSON.stringify({
    format: FORMAT,
    prefix,
    revision,
    savedAt: Date.now(),
    items: [...items],
  });
}

/** A save may take at most this share of the primary's time: the gap after it is 50× its length. */
const MAX_TIME_SHARE = 0.02;

/**
 * Keeps `file` equal to the feed's state, a little behind it: the first save is immediate, later
 * changes are coalesced for `debounceMs`, or longer when the snapshot is large: the next save
 * waits at least 50× as long as the last one took (a 10k-route snapshot takes ~15 ms to encode
 * and write, so under constant churn it is saved every second at most and costs ≤ 2 %). Each save is atomic (a temporary file, fsync, rename,
 * fsync of the directory): a crash leaves the old snapshot or the new one, never a torn one.
 * Everything runs in the primary, away from the data path.
 *
 * @example
 *   const saver = new SnapshotSaver({ file, prefix: '/apisix', state: () => feed, logger });
 *   feed.start((u) => { pool.publish(u); saver.changed(); });
 */
export class SnapshotSaver {
  readonly #file: string;
  readonly #prefix: string;
  readonly #state: () => { revision: number; items(): ReadonlyMap<string, KeyValue> };
  readonly #logger: Logger;
  readonly #debounceMs: number;
  readonly #now: () => number;
  /** How long the last save took, ms. */
  #lastSaveMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #saving: Promise<void> | undefined;
  #dirty = false;
  #savedRevision = -1;
  #closed = false;

  constructor(opts: {
    file: string;
    prefix: string;
    state: () => { revision: number; items(): ReadonlyMap<string, KeyValue> };
    logger: Logger;
    debounceMs?: number;
    /** A clock in ms (tests). */
    now?: () => number;
  }) {
    this.#file = opts.file;
    this.#prefix = opts.prefix;
    this.#state = opts.state;
    this.#logger = opts.logger;
    this.#debounceMs = opts.debounceMs ?? 1000;
    this.#now = opts.now ?? (() => performance.now());
  }

  /** The state changed: save it within debounceMs. */
  changed(): void {
    if (this.#closed) return;
    this.#dirty = true;
    this.#timer ??= setTimeout(
      () => {
        this.#timer = undefined;
        void this.flush();
      },
      Math.max(this.#debounceMs, this.#lastSaveMs / MAX_TIME_SHARE),
    );
    this.#timer.unref();
  }

  /** Saves now if anything changed since the last save; resolves when it is on disk. */
  async flush(): Promise<void> {
    while (this.#saving) await this.#saving;
    const { revision } = this.#state();
    if (!this.#dirty && revision === this.#savedRevision) return;
    this.#dirty = false;
    const started = this.#now();
    this.#saving = this.#save().finally(() => {
      this.#saving = undefined;
      this.#lastSaveMs = this.#now() - started;
    });
    await this.#saving;
  }

  /** Writes what is pending and stops saving. */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#dirty) await this.flush();
    this.#closed = true;
  }

  async #save(): Promise<void> {
    const state = this.#state();
    const text = encode(this.#prefix, state.revision, state.items().values());
    const tmp = `${this.#file}.${process.pid}.tmp`;
    try {
      await mkdir(path.dirname(this.#file), { recursive: true });
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.#file);
      syncDirectory(path.dirname(this.#file));
      this.#savedRevision = state.revision;
    } catch (err) {
      this.#dirty = true;
      this.#logger.warn({ err, file: this.#file }, 'could not save the last-known-good snapshot');
      await unlink(tmp).catch(() => undefined);
    }
  }
}

/** The rename itself is durable only once the directory is synced. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse to fsync a directory; the file itself is already synced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes a snapshot synchronously (tests, tools): the same format and atomicity. */
export function writeLastKnownGoodSync(
  file: string,
  prefix: string,
  revision: number,
  items: Iterable<KeyValue>,
): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, encode(prefix, revision, items));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  syncDirectory(path.dirname(file));
}
