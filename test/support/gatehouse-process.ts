/**
 * The pieces every end-to-end helper needs to run a real Gatehouse: a config file with every
 * listener on a free loopback port, `node bin/gatehouse.js start -c <file>` as a child process,
 * waiting for `/status/ready`, and plain HTTP calls on fresh connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

const BIN = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));

export interface Ports {
  http: number;
  admin: number;
  control: number;
  status: number;
}

export async function freePorts(): Promise<Ports> {
  return {
    http: await freePort(),
    admin: await freePort(),
    control: await freePort(),
    status: await freePort(),
  };
}

/** Writes a config.yaml: the listeners on `ports`, `deployment` lines, then the admin key. */
export function writeConfig(
  file: string,
  ports: Ports,
  opts: {
    workers?: number;
    deployment: readonly string[];
    adminKey: string;
    /** Lines under `plugin_attr:` (indented two spaces), after prometheus's. */
    pluginAttr?: readonly string[];
    /** More top-level lines (e.g. a `plugins:` list), appended at the end. */
    extra?: readonly string[];
    /** Lines under `nginx_config.http:`, e.g. `['client_max_body_size: 1k']`. */
    nginxHttp?: readonly string[];
  },
): void {
  const lines = [
    'apisix:',
    `  node_listen: [{ ip: 127.0.0.1, port: ${ports.http} }]`,
    `  control: { ip: 127.0.0.1, port: ${ports.control} }`,
    `  status: { ip: 127.0.0.1, port: ${ports.status} }`,
    '  ssl: { enable: false }',
    'nginx_config:',
    `  worker_processes: ${opts.workers ?? 2}`,
    ...(opts.nginxHttp === undefined ? [] : ['  http:', ...opts.nginxHttp.map((l) => `    ${l}`)]),
    'plugin_attr:',
    ...(opts.pluginAttr ?? ['  prometheus: { enable_export_server: false }']),
    'deployment:',
    ...opts.deployment,
    '  admin:',
    `    admin_listen: { ip: 127.0.0.1, port: ${ports.admin} }`,
    `    admin_key: [{ name: admin, key: ${opts.adminKey}, role: admin }]`,
    ...(opts.extra ?? []),
    '',
  ];
  writeFileSync(file, lines.join('\n'));
}

export interface Spawned {
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Sends SIGTERM (if still running) and resolves with the exit code. */
  stop: () => Promise<number | null>;
}

export function spawnGatehouse(config: string, cwd: string): Spawned {
  const child = spawn(process.execPath, [BIN, 'start', '-c', config], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    output: () => output,
    exited,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * Until `/status/ready` answers 200; stops the process and rejects, with what it printed, if it
 * exits or is not ready within 60 s (a loaded CI machine starts gateways side by side).
 */
export async function waitReady(spawned: Spawned, statusPort: number): Promise<void> {
  try {
    await waitUntil(
      async () => {
        if (spawned.child.exitCode !== null) {
          throw new Error(`gatehouse exited early:\n${spawned.output()}`);
        }
        const ready = await httpCall(statusPort, 'GET', '/status/ready').catch(() => undefined);
        return ready?.status === 200;
      },
      'gatehouse ready',
      60_000,
    );
  } catch (err) {
    await spawned.stop();
    if (err instanceof Error && !err.message.includes(spawned.output())) {
      err.message += `; gatehouse printed:\n${spawned.output()}`;
    }
    throw err;
  }
}

/**
 * Writes a config for fresh free ports (`configFor` returns its path) and starts `gatehouse` on
 * it until it is ready. A port another test took between the probe and the bind (EADDRINUSE)
 * means new ports, up to three tries; any other failure is thrown at once.
 */
export async function startOnFreePorts(
  configFor: (ports: Ports) => string,
  cwd: string,
): Promise<{ ports: Ports; spawned: Spawned }> {
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts();
    const spawned = spawnGatehouse(configFor(ports), cwd);
    try {
      await waitReady(spawned, ports.status);
      return { ports, spawned };
    } catch (err) {
      if (attempt < 3 && spawned.output().includes('EADDRINUSE')) continue;
      throw err;
    }
  }
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

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection (so each call may land on another worker). */
export function httpCall(
  port: number,
  method: string,
  urlPath: string,
  opts: { body?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpReply> {
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
