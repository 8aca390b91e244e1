import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/free-port.js';

const BIN = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));
export const ADMIN_KEY = 'e2e'.repeat(11);

export interface RunningGateway {
  child: ChildProcess;
  prefix: string;
  config: string;
  ports: { http: number; admin: number; control: number; status: number };
  output: () => string;
  /** Sends SIGTERM (if still running) and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Resolves once `check` is true, asking every 25 ms; rejects after `timeoutMs`. */
export async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * `node bin/gatehouse.js start -c <tmp>/conf/config.yaml` with every listener on a free loopback
 * port; resolves once `/status/ready` answers 200 (or, with no workers, `/status` does).
 * Call stop() in a finally.
 */
export interface StartSpec {
  workers?: number;
  /** Lines under `deployment:` (indented two spaces), e.g. a role. */
  deployment?: string;
  /** Files to write relative to the prefix, e.g. `conf/apisix.yaml`. */
  files?: Record<string, string>;
}

export async function startGatehouse(spec: StartSpec = {}): Promise<RunningGateway> {
  const prefix = mkdtempSync(path.join(tmpdir(), 'gh-e2e-'));
  mkdirSync(path.join(prefix, 'conf'));
  const ports = {
    http: await freePort(),
    admin: await freePort(),
    control: await freePort(),
    status: await freePort(),
  };
  const config = path.join(prefix, 'conf', 'config.yaml');
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
      spec.deployment ?? '',
      '  admin:',
      `    admin_listen: { ip: 127.0.0.1, port: ${ports.admin} }`,
      `    admin_key: [{ name: admin, key: ${ADMIN_KEY}, role: admin }]`,
      '',
    ].join('\n'),
  );
  for (const [file, text] of Object.entries(spec.files ?? {})) {
    writeFileSync(path.join(prefix, file), text);
  }
  const child = spawn(process.execPath, [BIN, 'start', '-c', config], {
    cwd: prefix,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const running: RunningGateway = {
    child,
    prefix,
    config,
    ports,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exitOf(child);
    },
  };
  try {
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`gatehouse exited early:\n${output}`);
      return (await status(ports.status, '/status/ready')) === 200;
    }, 'gatehouse ready');
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}

async function status(port: number, path: string): Promise<number> {
  try {
    return (await httpGet(port, path)).status;
  } catch {
    return 0;
  }
}

export interface SimpleResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One request on a fresh connection (so node:cluster's round robin moves to the next worker). */
export function httpGet(
  port: number,
  path: string,
  opts: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        agent: false,
        headers: opts.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** An Admin API call with the test key. */
export function admin(
  gw: RunningGateway,
  method: string,
  path: string,
  body?: unknown,
): Promise<SimpleResponse> {
  return httpGet(gw.ports.admin, `/apisix/admin${path}`, {
    method,
    headers: { 'X-API-KEY': ADMIN_KEY, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export async function controlJson<T>(gw: RunningGateway, path: string): Promise<T> {
  const res = await httpGet(gw.ports.control, path);
  return JSON.parse(res.body) as T;
}

export interface WorkerRow {
  id: number;
  pid: number;
  applied_revision: number;
  ready: boolean;
}

/** An upstream that answers `upstream <path>`; `/slow` answers after `delayMs`. */
export async function startUpstream(
  delayMs = 500,
): Promise<{ server: Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const reply = (): void => void res.end(`upstream ${req.url}`);
    if ((req.url ?? '').startsWith('/slow')) setTimeout(reply, delayMs);
    else reply();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}
