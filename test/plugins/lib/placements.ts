/**
 * The places a plugin conf can live besides a route (spec §1.6): a service, a plugin_config, a
 * consumer (after key-auth identified it) and a global rule; plus the Admin API's refusals. Each
 * helper writes the objects under names made from `id` and returns what to request.
 *
 * @example
 *   const path = await viaService(gw, 'echo-svc', { echo: { body: 'x' } });
 *   assert.equal((await gw.request(path)).body, 'x');
 */
import assert from 'node:assert/strict';
import type { TestGateway } from '../../support/plugin-gateway.js';

type Plugins = Record<string, unknown>;

/** A service with `plugins` and a route `/<id>` that uses it. */
export async function viaService(gw: TestGateway, id: string, plugins: Plugins): Promise<string> {
  await gw.put(`/services/${id}`, { plugins, upstream: gw.upstream });
  await gw.put(`/routes/${id}`, { uri: `/${id}`, service_id: id });
  return `/${id}`;
}

/** A plugin_config with `plugins` and a route `/<id>` that uses it. */
export async function viaPluginConfig(
  gw: TestGateway,
  id: string,
  plugins: Plugins,
): Promise<string> {
  await gw.put(`/plugin_configs/${id}`, { plugins });
  await gw.put(`/routes/${id}`, { uri: `/${id}`, plugin_config_id: id, upstream: gw.upstream });
  return `/${id}`;
}

/**
 * A consumer `<id>_jack` (key `<id>-jack`) with `plugins`, a consumer `<id>_rose` (key
 * `<id>-rose`) without, and a key-auth route `/<id>`. Returns the path and each one's headers.
 */
export async function viaConsumer(
  gw: TestGateway,
  id: string,
  plugins: Plugins,
): Promise<{ path: string; jack: Record<string, string>; rose: Record<string, string> }> {
  const name = id.replaceAll(/[^a-zA-Z0-9_-]/g, '_');
  await gw.put('/consumers', {
    username: `${name}_jack`,
    plugins: { 'key-auth': { key: `${id}-jack` }, ...plugins },
  });
  await gw.put('/consumers', {
    username: `${name}_rose`,
    plugins: { 'key-auth': { key: `${id}-rose` } },
  });
  await gw.put(`/routes/${id}`, {
    uri: `/${id}`,
    plugins: { 'key-auth': {} },
    upstream: gw.upstream,
  });
  return { path: `/${id}`, jack: { apikey: `${id}-jack` }, rose: { apikey: `${id}-rose` } };
}

/**
 * A route `/<id>` without plugins and a global rule `<id>` with `plugins` while `check` runs;
 * the rule is deleted afterwards (it would reach every other test of the file). Returns the
 * path, for a look after the rule is gone.
 */
export async function viaGlobalRule(
  gw: TestGateway,
  id: string,
  plugins: Plugins,
  check: (path: string) => Promise<void>,
): Promise<string> {
  await gw.put(`/routes/${id}`, { uri: `/${id}`, upstream: gw.upstream });
  await gw.put(`/global_rules/${id}`, { plugins });
  try {
    await check(`/${id}`);
  } finally {
    await gw.delete(`/global_rules/${id}`);
  }
  return `/${id}`;
}

/** Each conf of `plugin` is refused on a route with 400 and APISIX's message around `err`. */
export async function expectRefused(
  gw: TestGateway,
  plugin: string,
  cases: ReadonlyArray<readonly [unknown, string]>,
): Promise<void> {
  for (const [conf, err] of cases) {
    const reply = await gw.admin('PUT', `/routes/refused-${plugin}`, {
      uri: `/refused/${plugin}`,
      plugins: { [plugin]: conf },
      upstream: gw.upstream,
    });
    assert.equal(reply.status, 400, JSON.stringify(conf));
    assert.deepEqual(JSON.parse(reply.body), {
      error_msg: `failed to check the configuration of plugin ${plugin} err: ${err}`,
    });
  }
}
