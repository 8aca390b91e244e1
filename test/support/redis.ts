/**
 * Real Redis processes for tests: a standalone server, a cluster of masters, or a sentinel in
 * front of a server, each on free loopback ports with a temporary directory (on /dev/shm when
 * there is one), no persistence, and cleanup. Servers run in their own process group so a kill
 * takes Redis and nothing else.
 *
 * @example
 *   redisSuite('limit-count on redis', () => {
 *     let redis: RedisServer;
 *     before(async () => (redis = await startRedis()));
 *     ...
 *   });
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary, requiredToolSuite } from './required-tool.js';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

export const redisServerBinary = findBinary('redis-server');
export const redisCliBinary = findBinary('redis-cli');

const INSTALL_HINT =
  'redis-server is not installed: the Redis tests need the Debian package redis-server ' +
  '(apt-get install redis-server), which brings redis-server and redis-cli';

/**
 * A describe() for tests that need Redis. Without it: a loud skip on a developer machine, a
 * failure in CI (CI set), so a broken CI image cannot pass by skipping. Every server started
 * inside is killed and its directory removed after the suite.
 */
export function redisSuite(name: string, body: () => void): void {
  requiredToolSuite(
    {
      present: redisServerBinary !== undefined && redisCliBinary !== undefined,
      what: 'redis-server is installed',
      hint: INSTALL_HINT,
      cleanup: stopAllRedis,
    },
    name,
    body,
  );
}

export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly running: boolean;
  /** Starts (or restarts on the same port) and waits until it answers PING. */
  start(): Promise<void>;
  /** Kills the process (SIGKILL) and waits until it is gone. */
  stop(): Promise<void>;
  /** A command on a fresh connection, e.g. `command('KEYS', '*')`. */
  command(...args: Array<string | number>): Promise<unknown>;
  log(): string;
}

export interface RedisCluster {
  readonly masters: RedisServer[];
  /** `["127.0.0.1:p1", ...]`, as redis_cluster_nodes takes them. */
  readonly nodes: string[];
}

const live = new Set<Server>();
const dirs = new Set<string>();

/** Kills every server this process started and removes their directories. */
export async function stopAllRedis(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

function tempDir(): string {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'gh-redis-'));
  dirs.add(dir);
  return dir;
}

/** One standalone Redis, PING-able. `password` turns on `requirepass`. */
export async function startRedis(opts: { password?: string } = {}): Promise<RedisServer> {
  return startWithRetry(async () => {
    const port = await freePort();
    const extra = opts.password === undefined ? [] : ['--requirepass', opts.password];
    return new Server(tempDir(), port, extra, opts.password);
  });
}

/** `size` masters (3 by default) with every slot assigned; resolves when `cluster_state:ok`. */
export async function startRedisCluster(size = 3): Promise<RedisCluster> {
  const dir = tempDir();
  const masters = await Promise.all(
    Array.from({ length: size }, (_, i) =>
      startWithRetry(async () => {
        const [port, bus] = [await freePort(), await freePort()];
        return new Server(dir, port, [
          ...['--cluster-enabled', 'yes', '--cluster-port', String(bus)],
          ...['--cluster-config-file', join(dir, `nodes-${i}-${port}.conf`)],
          ...['--cluster-node-timeout', '2000'],
        ]);
      }),
    ),
  );
  const nodes = masters.map((m) => `${m.host}:${m.port}`);
  await run(redisCliBinary ?? 'redis-cli', [
    ...['--cluster', 'create', ...nodes],
    ...['--cluster-replicas', '0', '--cluster-yes'],
  ]);
  await waitFor('cluster_state:ok on every master', async () => {
    const infos = await Promise.all(masters.map((m) => m.command('CLUSTER', 'INFO')));
    return infos.every((info) => String(info).includes('cluster_state:ok'));
  });
  return { masters, nodes };
}

/** A sentinel watching `master` under the name `masterName`; resolves when it knows the master. */
export async function startRedisSentinel(
  master: RedisServer,
  masterName = 'mymaster',
): Promise<RedisServer> {
  const sentinel = await startWithRetry(async () => {
    const dir = tempDir();
    const port = await freePort();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [`port ${port}`, `sentinel monitor ${masterName} ${master.host} ${master.port} 1`, ''].join(
        '\n',
      ),
    );
    return new Server(dir, port, ['--sentinel'], undefined, conf);
  });
  await waitFor('the sentinel to know its master', async () => {
    const addr = await sentinel.command('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName);
    return Array.isArray(addr) && Number(addr[1]) === master.port;
  });
  return sentinel;
}

/** A port can be taken between freePort() and Redis binding it: try again with new ports. */
async function startWithRetry(make: () => Promise<Server>): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    const server = await make();
    try {
      await server.start();
      return server;
    } catch (err) {
      await server.stop();
      if (attempt >= 3) throw err;
    }
  }
}

class Server implements RedisServer {
  readonly host = '127.0.0.1' as const;
  readonly port: number;
  readonly #args: string[];
  readonly #logFile: string;
  readonly #password: string | undefined;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(dir: string, port: number, extra: string[], password?: string, confFile?: string) {
    this.port = port;
    this.#password = password;
    this.#logFile = join(dir, `redis-${port}.log`);
    this.#args = [
      ...(confFile === undefined ? [] : [confFile]),
      ...['--port', String(port), '--bind', this.host, '--dir', dir],
      ...['--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      ...extra,
    ];
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  async start(): Promise<void> {
    if (this.#child) return;
    const log = openSync(this.#logFile, 'a');
    const child = spawn(redisServerBinary ?? 'redis-server', this.#args, {
      detached: true, // own process group: stop() kills redis and only redis
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.#child = child;
    live.add(this);
    this.#exited = new Promise((resolve) =>
      child.once('exit', () => {
        if (this.#child === child) this.#child = undefined;
        live.delete(this);
        resolve();
      }),
    );
    await waitFor(`redis on port ${this.port} (log: ${this.#logFile})`, async () => {
      if (this.#child !== child) throw new Error(`redis exited:\n${this.log().slice(-2000)}`);
      return (await this.command('PING')) === 'PONG';
    });
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child?.pid) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await this.#exited;
  }

  async command(...args: Array<string | number>): Promise<unknown> {
    const client = new Redis({
      host: this.host,
      port: this.port,
      password: this.#password,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 1000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const [name, ...rest] = args;
      return await client.call(String(name), ...rest.map(String));
    } finally {
      client.disconnect();
    }
  }

  log(): string {
    try {
      return readFileSync(this.#logFile, 'utf8');
    } catch {
      return '';
    }
  }
}

/** Polls `ready` (errors count as "not yet") until it says true; fails after 15 s. */
async function waitFor(what: string, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await ready()) return;
    } catch (err) {
      last = err;
      if ((err as Error).message.startsWith('redis exited')) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}: ${String(last)}`);
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file} ${args.join(' ')}: ${stderr || stdout}`)) : resolve(stdout),
    );
  });
}
