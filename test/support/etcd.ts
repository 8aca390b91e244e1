/**
 * Real etcd processes for tests: a single member or a 3-member cluster on free loopback ports,
 * each with its own temporary data directory, fast election flags (notes/etcd.md §2), health
 * waits, and cleanup. Members run in their own process group so a kill takes etcd and nothing
 * else.
 *
 * @example
 *   etcdSuite('etcd store', () => {
 *     let etcd: EtcdMember;
 *     before(async () => (etcd = await startEtcd()));
 *     ...
 *   });
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { findBinary, requiredToolSuite } from './required-tool.js';
import type { EtcdServerTls } from './etcd-tls.js';
import { freePort } from './free-port.js';

/**
 * Where etcd is, or undefined when it is not installed. GATEHOUSE_TEST_ETCD_BIN_DIR points at
 * another directory holding both binaries (another etcd version; or a missing one, to see the
 * skip and the CI failure).
 */
const binDir = process.env['GATEHOUSE_TEST_ETCD_BIN_DIR'];
export const etcdBinary: string | undefined = findBinary('etcd', binDir);
export const etcdctlBinary: string | undefined = findBinary('etcdctl', binDir);

const INSTALL_HINT =
  'etcd is not installed: the etcd tests need Debian packages etcd-server and etcd-client ' +
  '(apt-get install etcd-server etcd-client)';

/**
 * A describe() for tests that need etcd. Without etcd it skips loudly on a developer machine,
 * and fails in CI (CI=true) so a broken CI image cannot pass by skipping. Every member started
 * inside is killed and its data removed after the suite.
 */
export function etcdSuite(name: string, body: () => void): void {
  requiredToolSuite(
    {
      present: etcdBinary !== undefined && etcdctlBinary !== undefined,
      what: 'etcd is installed',
      hint: INSTALL_HINT,
      cleanup: stopAllEtcd,
    },
    name,
    body,
  );
}

export interface EtcdMember {
  readonly name: string;
  /** The client URL, `http(s)://127.0.0.1:<port>`; also serves /health and /metrics. */
  readonly endpoint: string;
  readonly running: boolean;
  /** Starts (or restarts, on the same data directory and ports) and waits until healthy. */
  start(): Promise<void>;
  /** Stops the process (SIGKILL unless told) and waits until it is gone; the data stays. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Freezes the process (SIGSTOP): it keeps its sockets but answers nothing. */
  pause(): void;
  /** Thaws a paused process (SIGCONT). */
  resume(): void;
  /** The process's log so far, for failure messages. */
  log(): string;
}

export interface EtcdCluster {
  readonly members: EtcdMember[];
  readonly endpoints: string[];
  /** The member that is leader now, asking every running member. */
  leader(): Promise<EtcdMember>;
}

const live = new Set<Member>();
const dirs = new Set<string>();

/** Kills every member this process started and removes their data. */
export async function stopAllEtcd(): Promise<void> {
  await Promise.all([...live].map((m) => m.stop()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/**
 * One healthy single-member etcd. Its data lives on tmpfs (/dev/shm) when there is one, unless
 * `baseDir` says where (benchmarks put it on the real disk, as production would). With `tls`
 * it serves clients over https only and requires a client certificate signed by `tls.ca`.
 */
export async function startEtcd(
  opts: { name?: string; baseDir?: string; tls?: EtcdServerTls } = {},
): Promise<EtcdMember> {
  const [member] = await startMembers([opts.name ?? 'solo'], opts.baseDir, opts.tls);
  return member as EtcdMember;
}

/** A healthy cluster of `size` members (3 by default). */
export async function startEtcdCluster(size = 3): Promise<EtcdCluster> {
  const members = await startMembers(Array.from({ length: size }, (_, i) => `m${i + 1}`));
  return {
    members,
    endpoints: members.map((m) => m.endpoint),
    leader: () => findLeader(members),
  };
}

/** Runs etcdctl against `endpoints`; resolves with its stdout, rejects with its stderr. */
export function etcdctl(endpoints: string[], args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      etcdctlBinary ?? 'etcdctl',
      [`--endpoints=${endpoints.join(',')}`, ...args],
      {
        // etcdctl reads ETCDCTL_* from the environment: keep the caller's out of it.
        env: { PATH: process.env['PATH'] ?? '' },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`etcdctl ${args.join(' ')}: ${err || out}`)),
    );
  });
}

async function startMembers(
  names: string[],
  baseDir?: string,
  tls?: EtcdServerTls,
): Promise<Member[]> {
  // A port can be taken between freePort() and etcd binding it: try again with new ports.
  for (let attempt = 1; ; attempt++) {
    const base = baseDir ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
    const dir = mkdtempSync(join(base, 'gh-etcd-'));
    dirs.add(dir);
    const ports = await Promise.all(names.map(async () => [await freePort(), await freePort()]));
    const peers = names.map((n, i) => `${n}=http://127.0.0.1:${ports[i]?.[1]}`).join(',');
    const members = names.map(
      (n, i) => new Member(n, dir, ports[i]?.[0] ?? 0, ports[i]?.[1] ?? 0, peers, tls),
    );
    try {
      await Promise.all(members.map((m) => m.start()));
      return members;
    } catch (err) {
      await Promise.all(members.map((m) => m.stop()));
      if (attempt >= 3) throw err;
    }
  }
}

class Member implements EtcdMember {
  readonly name: string;
  readonly endpoint: string;
  readonly #args: string[];
  readonly #logFile: string;
  readonly #tls: EtcdServerTls | undefined;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(
    name: string,
    dir: string,
    clientPort: number,
    peerPort: number,
    cluster: string,
    tls?: EtcdServerTls,
  ) {
    this.name = name;
    this.endpoint = `${tls ? 'https' : 'http'}://127.0.0.1:${clientPort}`;
    this.#tls = tls;
    this.#logFile = join(dir, `${name}.log`);
    const peer = `http://127.0.0.1:${peerPort}`;
    this.#args = [
      ...['--name', name, '--data-dir', join(dir, `${name}.data`)],
      ...['--listen-client-urls', this.endpoint, '--advertise-client-urls', this.endpoint],
      ...['--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer],
      ...['--initial-cluster', cluster, '--initial-cluster-token', `gh-${dir}`],
      // A single member otherwise waits out a ~1 s election timeout (notes/etcd.md §2.1).
      ...['--heartbeat-interval', '10', '--election-timeout', '100'],
      ...['--logger', 'zap', '--log-outputs', 'stderr'],
      ...(tls
        ? ['--cert-file', tls.cert, '--key-file', tls.key].concat([
            '--client-cert-auth',
            '--trusted-ca-file',
            tls.ca,
          ])
        : []),
    ];
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  async start(): Promise<void> {
    if (this.#child) return;
    const log = openSync(this.#logFile, 'a');
    const child = spawn(etcdBinary ?? 'etcd', this.#args, {
      detached: true, // own process group: stop() kills etcd and only etcd
      stdio: ['ignore', 'ignore', log],
      // etcd reads every ETCD_* variable as a flag: give it none (notes/etcd.md §7).
      env: { PATH: process.env['PATH'] ?? '' },
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
    await this.#waitHealthy(child);
  }

  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (!child?.pid) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
    await this.#exited;
  }

  pause(): void {
    this.#signal('SIGSTOP');
  }

  resume(): void {
    this.#signal('SIGCONT');
  }

  #signal(signal: NodeJS.Signals): void {
    if (this.#child?.pid) process.kill(-this.#child.pid, signal);
  }

  log(): string {
    try {
      return readFileSync(this.#logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Until /health says true; a member that exits (port taken) fails at once. */
  async #waitHealthy(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (this.#child !== child) {
        throw new Error(`etcd ${this.name} exited while starting:\n${this.log().slice(-2000)}`);
      }
      try {
        if (await this.#healthy()) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await this.stop();
    throw new Error(`etcd ${this.name} not healthy after 15 s:\n${this.log().slice(-2000)}`);
  }

  async #healthy(): Promise<boolean> {
    const tls = this.#tls;
    if (!tls) {
      const res = await fetch(`${this.endpoint}/health`, { signal: AbortSignal.timeout(500) });
      return ((await res.json()) as { health?: string }).health === 'true';
    }
    // fetch takes no client certificate: ask over https with the server's own (it is also a
    // client certificate, see etcd-tls.ts). Only the chain is checked here: a certificate made
    // for a name other than 127.0.0.1 is what the SNI tests are about.
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${this.endpoint}/health`, {
        ...{ cert: readFileSync(tls.cert), key: readFileSync(tls.key), ca: readFileSync(tls.ca) },
        checkServerIdentity: () => undefined,
        timeout: 500,
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.on('response', (res) => {
        let data = '';
        res.on('data', (d: Buffer) => (data += d.toString()));
        res.on('end', () => resolve(data));
        res.on('error', reject);
      });
      req.end();
    });
    return (JSON.parse(body) as { health?: string }).health === 'true';
  }
}

async function findLeader(members: Member[]): Promise<Member> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    for (const m of members.filter((x) => x.running)) {
      try {
        const res = await fetch(`${m.endpoint}/v3/maintenance/status`, {
          method: 'POST',
          body: '{}',
          signal: AbortSignal.timeout(300),
        });
        const status = (await res.json()) as { header?: { member_id?: string }; leader?: string };
        if (status.leader && status.leader === status.header?.member_id) return m;
      } catch {
        // down or electing: ask the next one
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no etcd leader within 10 s');
}
