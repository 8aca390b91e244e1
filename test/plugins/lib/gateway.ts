/**
 * One test gateway per suite: registers a `before` hook that starts it and an `after` hook that
 * closes it (only if it started), and returns a handle whose members reach the started gateway.
 * Hooks registered after the call run after the start, so they may already use the handle.
 *
 * @example
 *   void describe('echo over traffic', () => {
 *     const gw = useTestGateway();
 *     void test('replaces the body', async () => {
 *       await gw.put('/routes/1', { uri: '/a', plugins: { echo: { body: 'x' } }, upstream: gw.upstream });
 *     });
 *   });
 */
import { after, before } from 'node:test';
import {
  startTestGateway,
  type TestGateway,
  type TestGatewayOptions,
} from '../../support/plugin-gateway.js';

export function useTestGateway(opts: TestGatewayOptions = {}): TestGateway {
  let started: TestGateway | undefined;
  before(async () => {
    started = await startTestGateway(opts);
  });
  after(async () => {
    await started?.close();
  });
  const gw = (): TestGateway => {
    if (started === undefined)
      throw new Error('the test gateway is used before its suite started it');
    return started;
  };
  return {
    get ports() {
      return gw().ports;
    },
    get dir() {
      return gw().dir;
    },
    get echo() {
      return gw().echo;
    },
    get upstream() {
      return gw().upstream;
    },
    admin: (method, path, body) => gw().admin(method, path, body),
    put: (path, body) => gw().put(path, body),
    delete: (path) => gw().delete(path),
    request: (path, o) => gw().request(path, o),
    output: () => gw().output(),
    close: () => gw().close(),
  };
}

/** The statuses of `n` requests for `path` sent one after another, each on a fresh connection. */
export async function statuses(
  gw: TestGateway,
  path: string,
  n: number,
  headers: Record<string, string> = {},
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await gw.request(path, { headers })).status);
  return out;
}
