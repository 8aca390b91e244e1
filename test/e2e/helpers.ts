import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  httpCall,
  startOnFreePorts,
  waitUntil,
  writeConfig,
} from '../support/gatehouse-process.js';

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

/** Resolves once `check` is true; rejects after `timeoutMs`. */
export const until = waitUntil;

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
  /** More top-level config.yaml lines, e.g. a `plugins:` list. */
  extra?: string[];
}

export async function startGatehouse(spec: StartSpec = {}): Promise<RunningGateway> {
  const prefix = mkdtempSync(path.join(tmpdir(), 'gh-e2e-'));
  mkdirSync(path.join(prefix, 'conf'));
  for (const [file, text] of Object.entries(spec.files ?? {})) {
    writeFileSync(path.join(prefix, file), text);
  }
  const config = path.join(prefix, 'conf', 'config.yaml');
  const { ports, spawned } = await startOnFreePorts((ports) => {
    writeConfig(config, ports, {
      ...(spec.workers === undefined ? {} : { workers: spec.workers }),
      deployment: spec.deployment === undefined ? [] : [spec.deployment],
      adminKey: ADMIN_KEY,
      ...(spec.extra === undefined ? {} : { extra: spec.extra }),
    });
    return config;
  }, prefix);
  return {
    child: spawned.child,
    prefix,
    config,
    ports,
    output: spawned.output,
    stop: spawned.stop,
  };
}

export interface SimpleResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One request on a fresh connection (so each call may land on another worker). */
export function httpGet(
  port: number,
  path: string,
  opts: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<SimpleResponse> {
  return httpCall(port, opts.method ?? 'GET', path, opts);
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
  // A test that fails before it closes the upstream must not keep its file running.
  server.unref();
  return { server, port: (server.address() as AddressInfo).port, seen };
}
