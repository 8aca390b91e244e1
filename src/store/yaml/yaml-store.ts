import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GatehouseError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type {
  ConfigStore,
  DeleteResult,
  KeyValue,
  PutOptions,
  PutResult,
  RangeResult,
  Watch,
  WatchBatch,
} from '../types.js';
import { WatchHub } from '../watch-hub.js';
import { MemoryKv } from './memory-kv.js';
import { parseStandaloneFile } from './standalone-file.js';

export interface YamlStoreOptions {
  /** `conf/apisix.yaml`, or a `.json` file (no `#END` needed). */
  file: string;
  /** Key prefix, as `deployment.etcd.prefix` (default `/apisix`). */
  prefix?: string;
  /** How often the file's mtime is checked, in ms (default 1000, as APISIX). */
  pollMs?: number;
  /** Where `${{VAR}}` values come from (default process.env). */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/** Changes to a standalone file are rare: this much history is plenty for a watch to catch up. */
const HISTORY_LIMIT = 10_000;

/**
 * APISIX standalone mode (`config_provider: yaml`): a read-only store over `conf/apisix.yaml`.
 * The file is polled; when its mtime (or size) changes it is parsed again and diffed against
 * the previous content, so a watch sees only the keys that changed, all in one new revision. A
 * file that fails to parse is logged and the previous content kept, as APISIX does.
 *
 * @example
 *   const store = await YamlStore.open({ file: 'conf/apisix.yaml' });
 *   const { items } = await store.range('/apisix/routes/');
 */
export class YamlStore implements ConfigStore {
  readonly kind = 'yaml';
  readonly writable = false;
  readonly #file: string;
  readonly #prefix: string;
  readonly #pollMs: number;
  readonly #env: NodeJS.ProcessEnv;
  readonly #logger: Logger;
  readonly #kv = new MemoryKv(HISTORY_LIMIT);
  readonly #hub: WatchHub;
  /** The mtime and size last read (parsed or not), so a bad file is not re-parsed every poll. */
  #seen: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(opts: YamlStoreOptions) {
    this.#file = resolve(opts.file);
    this.#prefix = opts.prefix ?? '/apisix';
    this.#pollMs = opts.pollMs ?? 1000;
    this.#env = opts.env ?? process.env;
    this.#logger = opts.logger ?? silentLogger();
    this.#hub = new WatchHub(this.#kv, this.#logger);
  }

  /** Reads the file once (a missing or invalid file gives an empty store, logged) and starts polling. */
  static async open(opts: YamlStoreOptions): Promise<YamlStore> {
    const store = new YamlStore(opts);
    await store.#poll();
    return store;
  }

  range(prefix: string): Promise<RangeResult> {
    return this.#read(() => this.#kv.range(prefix));
  }

  get(key: string): Promise<KeyValue | undefined> {
    return this.#read(() => this.#kv.get(key));
  }

  put(key: string, _value?: string, _opts?: PutOptions): Promise<PutResult> {
    return this.#readOnly('put', key);
  }

  delete(key: string, _opts?: { ifModRevision?: number }): Promise<DeleteResult> {
    return this.#readOnly('delete', key);
  }

  deletePrefix(prefix: string): Promise<DeleteResult & { count: number }> {
    return this.#readOnly('deletePrefix', prefix);
  }

  watch(prefix: string, fromRevision: number, onBatch: (batch: WatchBatch) => void): Watch {
    return this.#hub.watch(prefix, fromRevision, onBatch);
  }

  compact(revision: number): Promise<void> {
    return this.#read(() => this.#kv.compact(Math.min(revision, this.#kv.currentRevision())));
  }

  revision(): Promise<number> {
    return this.#read(() => this.#kv.currentRevision());
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      clearTimeout(this.#timer);
      this.#hub.close(new GatehouseError('GH_ERR_STORE_CLOSED', `store ${this.#file} was closed`));
    }
    return Promise.resolve();
  }

  /** One poll: reload if the file changed, then schedule the next (never two reads at once). */
  async #poll(): Promise<void> {
    try {
      await this.#reloadIfChanged();
    } catch (err) {
      this.#logger.error({ err, file: this.#file }, 'standalone config not reloaded');
    }
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.#poll(), this.#pollMs);
    this.#timer.unref(); // polling alone never keeps the process alive
  }

  async #reloadIfChanged(): Promise<void> {
    const info = await stat(this.#file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      return undefined;
    });
    if (!info) {
      // APISIX keeps serving what it had when the file goes away; at start that is nothing.
      if (this.#seen !== 'missing')
        this.#logger.warn({ file: this.#file }, 'standalone config file not found');
      this.#seen = 'missing';
      return;
    }
    const seen = `${info.mtimeMs}:${info.size}`;
    if (seen === this.#seen) return;
    this.#seen = seen;
    const raw = await readFile(this.#file, 'utf8');
    if (this.#closed) return;
    const content = parseStandaloneFile(raw, this.#file, this.#prefix, this.#env);
    for (const problem of content.problems) this.#logger.error({ file: this.#file }, problem);
    const change = this.#kv.apply(content.entries);
    if (change) this.#hub.publish(change.revision, change.events);
    this.#logger.info(
      { file: this.#file, revision: this.#kv.currentRevision() },
      'standalone config loaded',
    );
  }

  #read<T>(op: () => T): Promise<T> {
    if (this.#closed) {
      return Promise.reject(
        new GatehouseError('GH_ERR_STORE_CLOSED', `store ${this.#file} was closed`),
      );
    }
    return Promise.resolve(op());
  }

  #readOnly(op: string, key: string): Promise<never> {
    return Promise.reject(
      new GatehouseError(
        'GH_ERR_STORE_READ_ONLY',
        `${op} ${key}: the config comes from ${this.#file} (standalone mode) and is read-only`,
      ),
    );
  }
}
