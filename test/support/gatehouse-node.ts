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
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  freePorts,
  httpCall,
  spawnGatehouse,
  waitReady,
  waitUntil,
  writeConfig,
  type HttpReply,
} from './gatehouse-process.js';

export { waitUntil };
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

export type Reply = HttpReply;

export async function startEtcdNode(spec: NodeSpec): Promise<EtcdNode> {
  const dir = spec.reuse?.dir ?? mkdtempSync(path.join(tmpdir(), 'gh-etcd-node-'));
  mkdirSync(path.join(dir, 'conf'), { recursive: true });
  const ports = spec.reuse?.ports ?? (await freePorts());
  const role = spec.role ?? 'traditional';
  const prefix = spec.prefix ?? '/apisix';
  const config = path.join(dir, 'conf', 'config.yaml');
  writeConfig(config, ports, {
    ...(spec.workers === undefined ? {} : { workers: spec.workers }),
    adminKey: NODE_ADMIN_KEY,
    deployment: [
      `  role: ${role}`,
      `  role_${role}: { config_provider: etcd }`,
      '  etcd:',
      `    host: [${spec.endpoints.map((e) => `"${e}"`).join(', ')}]`,
      `    prefix: ${prefix}`,
      `    timeout: ${spec.timeout ?? 2}`,
      `    startup_retry: ${spec.startupRetry ?? 2}`,
    ],
  });
  const spawned = spawnGatehouse(config, dir);
  const node: EtcdNode = {
    child: spawned.child,
    dir,
    prefix,
    ports,
    output: spawned.output,
    exited: spawned.exited,
    stop: spawned.stop,
  };
  if (!spec.noWait) await waitReady(spawned, ports.status);
  return node;
}

/** One request on a fresh connection, so each call may land on another worker. */
export const call = httpCall;

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
