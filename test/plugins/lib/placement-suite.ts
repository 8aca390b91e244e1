/**
 * The shared placement suite of the access-control plugins: the same confs refuse and let through
 * the same requests when they sit on a service, a plugin_config, a consumer (identified by
 * key-auth) or a global rule. Built on the helpers of `placements.ts`.
 *
 * @example
 *   testPlacements(() => gw, 'ipr', {
 *     plugins: { 'ip-restriction': { blacklist: ['10.0.0.5'] } },
 *     refused: { headers: { 'X-Real-IP': '10.0.0.5' } },
 *     allowed: { headers: { 'X-Real-IP': '10.0.0.6' } },
 *   });
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestGateway } from '../../support/plugin-gateway.js';
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

/** Registers the four placement tests; object names start with `prefix`. */
export function testPlacements(gw: () => TestGateway, prefix: string, v: Verdicts): void {
  const send = (path: string, r: Req, extra: Record<string, string> = {}) =>
    gw().request(`${path}${r.query ?? ''}`, { headers: { ...r.headers, ...extra } });
  const judge = async (path: string, extra?: Record<string, string>) => {
    const refused = await send(path, v.refused, extra);
    assert.equal(refused.status, v.status ?? 403, refused.body);
    const allowed = await send(path, v.allowed, extra);
    assert.equal(allowed.status, 200, allowed.body);
  };

  void test('applies the confs configured on a service', async () => {
    await judge(await viaService(gw(), `${prefix}-svc`, v.plugins));
  });

  void test('applies the confs configured on a plugin_config', async () => {
    await judge(await viaPluginConfig(gw(), `${prefix}-pc`, v.plugins));
  });

  void test('applies the confs of a consumer once key-auth identified it, not to others', async () => {
    const { path, jack, rose } = await viaConsumer(gw(), `${prefix}-consumer`, v.plugins);
    await judge(path, jack);
    const other = await send(path, v.refused, rose);
    assert.equal(other.status, 200, other.body);
  });

  void test('applies the confs of a global rule to a route without plugins, until deleted', async () => {
    const path = await viaGlobalRule(gw(), `${prefix}-global`, v.plugins, (p) => judge(p));
    const after = await send(path, v.refused);
    assert.equal(after.status, 200, after.body);
  });
}
