import { call } from './gatehouse-node.js';

export interface TrafficResult {
  sent: number;
  ok: number;
  /** Every answer that was not `expect`, and every transport error, as text. */
  failures: string[];
}

/**
 * Steady traffic for "the data plane keeps serving" tests: `concurrency` loops, each sending one
 * request at a time on a fresh connection (so every worker gets its share) until stop().
 *
 * @example
 *   const traffic = startTraffic(node.ports.http, '/hello');
 *   ...disturb etcd...
 *   const { sent, failures } = await traffic.stop();
 */
export function startTraffic(
  port: number,
  path: string,
  opts: { concurrency?: number; expect?: number } = {},
): { stop(): Promise<TrafficResult>; snapshot(): TrafficResult } {
  const result: TrafficResult = { sent: 0, ok: 0, failures: [] };
  const expect = opts.expect ?? 200;
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      result.sent++;
      try {
        const res = await call(port, 'GET', path, { timeoutMs: 5000 });
        if (res.status === expect) result.ok++;
        else result.failures.push(`${res.status} ${res.body.slice(0, 200)}`);
      } catch (err) {
        result.failures.push((err as Error).message);
      }
    }
  };
  const loops = Array.from({ length: opts.concurrency ?? 2 }, () => loop());
  return {
    snapshot: () => ({ ...result, failures: [...result.failures] }),
    async stop() {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}
