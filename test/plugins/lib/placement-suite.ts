/**
 * The shared placement suite: the same confs act the same when they sit on a service, a
 * plugin_config, a consumer (identified by key-auth) or a global rule, and not for another
 * consumer nor after the global rule is deleted. Built on the helpers of `placements.ts`.
 * `testPlacements` is for the access-control plugins (a request refused, one let through);
 * `testPlacementEffect` for plugins whose effect shows in the reply to a plain GET.
 *
 * @example
 *   testPlacements(() => gw, 'ipr', {
 *     plugins: { 'ip-restriction': { blacklist: ['10.0.0.5'] } },
 *     refused: { headers: { 'X-Real-IP': '10.0.0.5' } },
 *     allowed: { headers: { 'X-Real-IP': '10.0.0.6' } },
 *   });
 *   testPlacementEffect(() => gw, 'echo', {
 *     plugins: { echo: { body: 'placed' } },
 *     applied: (reply) => assert.equal(reply.body, 'placed'),
 *     absent: (reply) => assert.equal(reply.headers['x-upstream'], 'echo'),
 *   });
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpReply, TestGateway } from '../../support/plugin-gateway.js';
import { viaConsumer, viaGlobalRule, viaPluginConfig, viaService } from './placements.js';

type Plugins = Record<string, unknown>;

/** A route `id` at `uri` with `plugins`. */
export async function onRoute(gw: TestGateway, id: string, uri: string, plugins: Plugins) {
  await gw.put(`/routes/${id}`, { uri, plugins, upstream: gw.upstream });
}

/** A request: a query string (with its `?`) and headers. */
export interface Req {
  readonly query?: string;
  readonly headers?: Record<string, string>;
}

/** Plugin confs, a request they refuse and one they let through. */
export interface Verdicts {
  readonly plugins: Plugins;
  readonly refused: Req;
  readonly allowed: Req;
  /** The status of the refusal; default 403. */
  readonly status?: number;
}

/** Plugin confs whose effect shows in the reply to a plain GET. */
export interface Effect {
  readonly plugins: Plugins;
  /** Asserts that the reply to a request for `path` shows the confs' effect. */
  readonly applied: (reply: HttpReply, path: string) => void;
  /** Asserts that it does not (another consumer, the global rule deleted). */
  readonly absent: (reply: HttpReply) => void;
}

/** Extra request headers: those of a consumer, when the confs sit on one. */
type Extra = Record<string, string>;

/**
 * The four placement tests: `on` asserts that the confs act on a request for `path` (with the
 * headers of the consumer that carries them), `off` that they do not.
 */
function placementTests(
  gw: () => TestGateway,
  prefix: string,
  plugins: Plugins,
  on: (path: string, extra?: Extra) => Promise<void>,
  off: (path: string, extra?: Extra) => Promise<void>,
): void {
  void test('applies the confs configured on a service', async () => {
    await on(await viaService(gw(), `${prefix}-svc`, plugins));
  });

  void test('applies the confs configured on a plugin_config', async () => {
    await on(await viaPluginConfig(gw(), `${prefix}-pc`, plugins));
  });

  void test('applies the confs of a consumer once key-auth identified it, not to others', async () => {
    const { path, jack, rose } = await viaConsumer(gw(), `${prefix}-consumer`, plugins);
    await on(path, jack);
    await off(path, rose);
  });

  void test('applies the confs of a global rule to a route without plugins, until deleted', async () => {
    const path = await viaGlobalRule(gw(), `${prefix}-global`, plugins, (p) => on(p));
    await off(path);
  });
}

/** Registers the four placement tests; object names start with `prefix`. */
export function testPlacements(gw: () => TestGateway, prefix: string, v: Verdicts): void {
  const send = (path: string, r: Req, extra: Extra = {}) =>
    gw().request(`${path}${r.query ?? ''}`, { headers: { ...r.headers, ...extra } });
  const judge = async (path: string, extra?: Extra) => {
    const refused = await send(path, v.refused, extra);
    assert.equal(refused.status, v.status ?? 403, refused.body);
    const allowed = await send(path, v.allowed, extra);
    assert.equal(allowed.status, 200, allowed.body);
  };
  const passes = async (path: string, extra?: Extra) => {
    const reply = await send(path, v.refused, extra);
    assert.equal(reply.status, 200, reply.body);
  };
  placementTests(gw, prefix, v.plugins, judge, passes);
}

/** Registers the four placement tests of a plugin whose effect shows in the reply. */
export function testPlacementEffect(gw: () => TestGateway, prefix: string, e: Effect): void {
  const send = (path: string, extra: Extra = {}) => gw().request(path, { headers: extra });
  placementTests(
    gw,
    prefix,
    e.plugins,
    async (path, extra) => e.applied(await send(path, extra), path),
    async (path, extra) => e.absent(await send(path, extra)),
  );
}
