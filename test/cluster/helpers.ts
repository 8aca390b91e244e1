import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { configFromObject } from '../../src/config/load.js';
import type { GatewayConfig } from '../../src/config/types.js';
import type { KeyValue } from '../../src/core/kv.js';

export const RECORD_WORKER = fileURLToPath(new URL('./fixtures/record-worker.js', import.meta.url));

export interface WorkerView {
  pid: number;
  revision: number;
  count: number;
  resets: number;
  value: string | null;
  /** The worker process's Node flags. */
  execArgv: string[];
}

/** A config whose one node listener is 127.0.0.1:port. */
export function workerConfig(port: number): GatewayConfig {
  return configFromObject(
    { apisix: { node_listen: [{ ip: '127.0.0.1', port }], enable_control: false } },
    { prefix: '/tmp' },
  );
}

export function kv(key: string, value: string, revision: number): KeyValue {
  return { key, value, createRevision: revision, modRevision: revision, lease: 0 };
}

/**
 * GET on a fresh connection (no keep-alive), so that node:cluster's round robin hands each
 * request to the next worker.
 */
export function getView(port: number, path = '/'): Promise<WorkerView> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as WorkerView);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** One view per worker pid, asking until `count` distinct workers answered (bounded). */
export async function viewsOfEveryWorker(
  port: number,
  count: number,
  path = '/',
): Promise<Map<number, WorkerView>> {
  const views = new Map<number, WorkerView>();
  for (let i = 0; i < count * 20 && views.size < count; i++) {
    const view = await getView(port, path);
    views.set(view.pid, view);
  }
  return views;
}
