/**
 * A Gatehouse node on etcd for end-to-end tests: `node bin/gatehouse.js start -c <dir>/conf/config.yaml`
 * with every listener on a free loopback port. Unlike test/e2e/helpers.ts's startGatehouse, the
 * node's directory can be given, so a node can be stopped and started again on the same data
 * directory (its last-known-good snapshot) and the same ports.
 *
 * @example
 *   const node = await startEtcdNode({ endpoints: [etcd.endpoint], workers: 2 });
 *   try { ... } finally { await node.stop(); }
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

const BIN = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));
export const NODE_ADMIN_KEY = 'etcdnode'.repeat(4);

export interface NodeSpec {
  endpoints: string[];
  workers?: number;
  role?: 'traditional' | 'data_plane' | 'control_plane';
  /** deployment.etcd.timeout in seconds (default 2: a test waits for nothing longer). */
  timeout?: number;
  startupRetry?: number;
  prefix?: string;
  /** Reuse a node's directory and ports (restart). */
  reuse?: EtcdNode;
  /** Do not wait for readiness (a start that is expected to fail). */
  noWait?: boolean;
}

export interface EtcdNode {
  child: ChildProcess;
  dir: string;
  prefix: string;
  ports: { http: number; admin: number; control: number; status: number };
  output(): string;
  /** Resolves with the exit code (SIGTERM if still running). */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export async function startEtcdNode(spec: NodeSpec): Promise<EtcdNode> {
  const dir = spec.reuse?.dir ?? mkdtempSync(path.join(tmpdir(), 'gh-etcd-node-'));
  mkdirSync(path.join(dir, 'conf'), { recursive: true });
  const ports = spec.reuse?.ports ?? {
    http: await freePort(),
    admin: await freePort(),
    control: await freePort(),
    status: await freePort(),
  };
  const role = spec.role ?? 'traditional';
  const prefix = spec.prefix ?? '/apisix';
  const config = path.join(dir, 'conf', 'config.yaml');
  writeFileSync(
    config,
    [
      'apisix:',
      `  node_listen: [{ ip: 127.0.0.1, port: ${ports.http} }]`,
      `  control: { ip: 127.0.0.1, port: ${ports.control} }`,
      `  status: { ip: 127.0.0.1, port: ${ports.status} }`,
      '  ssl: { enable: false }',
      'nginx_config:',
      `  worker_processes: ${spec.workers ?? 2}`,
      'plugin_attr:',
      '  prometheus: { enable_export_server: false }',
      'deployment:',
      `  role: ${role}`,
      `  role_${role}: { config_provider: etcd }`,
      '  etcd:',
      `    host: [${spec.endpoints.map((e) => `"${e}"`).join(', ')}]`,
      `    prefix: ${prefix}`,
      `    timeout: ${spec.timeout ?? 2}`,
      `    startup_retry: ${spec.startupRetry ?? 2}`,
      '  admin:',
      `    admin_listen: { ip: 127.0.0.1, port: ${ports.admin} }`,
      `    admin_key: [{ name: admin, key: ${NODE_ADMIN_KEY}, role: admin }]`,
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [BIN, 'start', '-c', config], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const node: EtcdNode = {
    child,
    dir,
    prefix,
    ports,
    output: () => output,
    exited,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  if (spec.noWait) return node;
  try {
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`gatehouse exited early:\n${output}`);
      return (
        (await call(ports.status, 'GET', '/status/ready').catch(() => undefined))?.status === 200
      );
    }, 'gatehouse ready');
  } catch (err) {
    await node.stop();
    throw err;
  }
  return node;
}

/** Resolves once `check` is true, asking every 20 ms; rejects after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One request; `fresh` (default) uses a new connection so the cluster round robin moves on. */
export function call(
  port: number,
  method: string,
  urlPath: string,
  opts: { body?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: urlPath, method, agent: false, headers: opts.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 15_000, () =>
      req.destroy(new Error(`${method} ${urlPath}: timeout`)),
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** An Admin API call on `node` with the test key. */
export function adminCall(
  node: EtcdNode,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<Reply> {
  return call(node.ports.admin, method, `/apisix/admin${urlPath}`, {
    headers: { 'X-API-KEY': NODE_ADMIN_KEY, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export interface RevisionView {
  revision: number;
  config: 'synced' | 'stale';
  stale_since?: string;
  stale_reason?: string;
  events: number;
  resyncs: number;
  workers: { id: number; pid: number; applied_revision: number }[];
}

export async function revisionOf(node: EtcdNode): Promise<RevisionView> {
  const res = await call(node.ports.control, 'GET', '/v1/gatehouse/revision');
  return JSON.parse(res.body) as RevisionView;
}

/** Until every worker of `node` has applied `revision` (the Control API's per-worker view). */
export async function waitApplied(
  node: EtcdNode,
  revision: number,
  timeoutMs = 20_000,
): Promise<void> {
  await waitUntil(
    async () => {
      const view = await revisionOf(node).catch(() => undefined);
      return (
        view !== undefined &&
        view.workers.length > 0 &&
        view.workers.every((w) => w.applied_revision >= revision)
      );
    },
    `every worker of the node on :${node.ports.http} to apply revision ${revision}`,
    timeoutMs,
  );
}

/** A route to the upstream on `port`. */
export function routeTo(port: number, uri: string): Record<string, unknown> {
  return { uri, upstream: { type: 'roundrobin', nodes: { [`127.0.0.1:${port}`]: 1 } } };
}
