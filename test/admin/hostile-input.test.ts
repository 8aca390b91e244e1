import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BUILTIN_PLUGINS } from '../../src/gateway/builtin-plugins.js';
import { PluginRegistry } from '../../src/plugin/registry.js';
import type { JsonSchema } from '../../src/plugin/types.js';
import { TEST_CERT, TEST_KEY } from './fixtures.js';
import { startAdmin, type Response, type TestAdmin } from './helpers.js';

/**
 * A small generative sweep with a fixed seed: every resource's valid body with one value, at
 * any depth, replaced by a hostile one (wrong type, out of range, huge, too deep, a `__proto__`
 * key...), sent as PUT, PATCH, a sub-path PATCH and a sub-path PATCH through `__proto__`.
 * Whatever the answer, it is never a 5xx; a refusal is `{"error_msg": string}` and writes
 * nothing; an acceptance stores no null the client did not send; the prototypes stay clean.
 * The same for each property of every built-in plugin's route, consumer and metadata schema.
 */

const UPSTREAM = { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 }, retries: 1 };
const PLUGINS = { 'limit-count': { count: 1, time_window: 60 } };

/** Resource URL (no id) and a body it accepts. */
const RESOURCES: [string, Record<string, unknown>][] = [
  ['routes', { uri: '/a', methods: ['GET'], priority: 1, upstream: UPSTREAM, plugins: PLUGINS }],
  ['services', { name: 's', upstream: UPSTREAM, plugins: PLUGINS }],
  ['upstreams', { ...UPSTREAM, timeout: { connect: 1, send: 1, read: 1 }, labels: { a: 'b' } }],
  ['consumers', { username: 'jack', plugins: { 'key-auth': { key: 'k1' } } }],
  ['consumers/jack/credentials', { plugins: { 'key-auth': { key: 'k2' } } }],
  ['consumer_groups', { plugins: PLUGINS }],
  ['plugin_configs', { plugins: PLUGINS, desc: 'd' }],
  ['global_rules', { plugins: { 'example-plugin': { i: 1 } } }],
  ['plugin_metadata', { ikey: 1, skey: 's', secret: 'x' }],
  ['ssls', { cert: TEST_CERT, key: TEST_KEY, snis: ['test.com'] }],
  ['secrets/vault', { uri: 'http://127.0.0.1:8200', prefix: 'kv', token: 't' }],
  ['protos', { content: 'syntax = "proto3"; message M { string a = 1; }' }],
  ['stream_routes', { server_port: 9100, upstream: UPSTREAM }],
];

/** JSON text of hostile values; `1e400` and `__proto__` keys are what JSON.stringify cannot make. */
const HOSTILE = [
  'null',
  '-1',
  '1.5',
  '1e400',
  '""',
  '"NaN"',
  '[]',
  '[null]',
  '{}',
  'true',
  JSON.stringify('x'.repeat(70_000)),
  JSON.stringify(' '.repeat(70_000) + 'x'),
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
];

/** One value of each JSON type but the object a conf property usually is. */
const WRONG_TYPES = ['null', '-1', '""', '[]'];

/** mulberry32: a tiny seeded PRNG, so every run sends the same requests. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every property path of a JSON value (array indexes included). */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

/** `body` as JSON text with the value at `path` replaced by the JSON text `hostile`. */
function replaced(body: Record<string, unknown>, path: string[], hostile: string): string {
  const marker = '\u0000hostile\u0000';
  const copy = structuredClone(body);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1] ?? ''] = marker;
  return JSON.stringify(copy).replace(JSON.stringify(marker), hostile);
}

function assertSane(res: Response, what: string): void {
  assert.ok(res.status < 500, `${res.status} ${res.text.slice(0, 200)} <= ${what}`);
  if (res.status >= 400 && res.status !== 404) {
    assert.equal(typeof res.body?.error_msg, 'string', `${res.text.slice(0, 200)} <= ${what}`);
  }
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined, `polluted <= ${what}`);
}

void describe('a seeded sweep of hostile values over every resource', () => {
  let admin: TestAdmin;
  before(async () => {
    admin = await startAdmin();
    await admin.request('PUT', '/apisix/admin/consumers/jack', RESOURCES[3]?.[1]);
  });
  after(() => admin.close());

  const random = prng(20261126);
  for (const [dir, body] of RESOURCES) {
    const id = dir === 'plugin_metadata' ? 'example-plugin' : dir === 'consumers' ? 'jack' : 'h1';
    const url = `/apisix/admin/${dir}/${id}`;
    const cases = paths(body).flatMap((path) => HOSTILE.map((h) => ({ path, h })));
    // A fixed third of the (path, value) pairs keeps the sweep under a few seconds.
    const picked = cases.filter(() => random() < 0.34);

    void it(`${dir}: ${picked.length} bodies, each as PUT, PATCH and two sub-path PATCHes`, async () => {
      const restore = await admin.request('PUT', url, body);
      assert.ok(restore.status < 300, restore.text);
      for (const { path, h } of picked) {
        const through = [...path.slice(0, -1), '__proto__', 'polluted'];
        const sent = [
          ['PUT', url, replaced(body, path, h)],
          ['PATCH', url, replaced(body, path, h)],
          ['PATCH', `${url}/${path.map(encodeURIComponent).join('/')}`, h],
          ['PATCH', `${url}/${through.map(encodeURIComponent).join('/')}`, h],
        ] as const;
        for (const [method, target, payload] of sent) {
          const before = await admin.revision();
          const res = await admin.request(method, target, payload);
          const what = `${method} ${target} ${payload.slice(0, 120)}`;
          assertSane(res, what);
          if (res.status >= 400) {
            assert.equal(await admin.revision(), before, `wrote <= ${what}`);
            continue;
          }
          // JSON.stringify turns what cannot be stored (Infinity) into null.
          if (!payload.includes('null')) assert.ok(!res.text.includes('null'), `null <= ${what}`);
          await admin.request('PUT', url, body);
        }
      }
    });
  }
});

/** The properties a schema names, its anyOf / oneOf branches' included. */
function propertyNames(schema: JsonSchema | undefined): string[] {
  if (schema === undefined) return [];
  const branches = [
    schema,
    ...['anyOf', 'oneOf'].flatMap((c) => (schema[c] ?? []) as JsonSchema[]),
  ];
  const names = branches.flatMap((b) => Object.keys(b['properties'] ?? {}));
  return [...new Set([...names, '_meta'])];
}

void describe('a seeded sweep of hostile values over every built-in plugin conf', () => {
  let admin: TestAdmin;
  before(async () => {
    const registry = new PluginRegistry(
      BUILTIN_PLUGINS,
      BUILTIN_PLUGINS.map((p) => p.name),
    );
    admin = await startAdmin({ plugins: () => registry });
    await admin.request('PUT', '/apisix/admin/consumers/jack', { username: 'jack' });
  });
  after(() => admin.close());

  const random = prng(20261127);
  for (const plugin of BUILTIN_PLUGINS) {
    // Each schema property alone, in a route conf, a consumer conf and the plugin's metadata.
    const places = [
      ['routes/p', plugin.schema, (c: string) => `{"uri":"/p","plugins":{"${plugin.name}":${c}}}`],
      [
        'consumers/jack',
        plugin.consumerSchema,
        (c: string) => `{"username":"jack","plugins":{"${plugin.name}":${c}}}`,
      ],
      [`plugin_metadata/${plugin.name}`, plugin.metadataSchema, (c: string) => c],
    ] as const;
    const cases = places.flatMap(([url, schema, wrap]) =>
      schema === undefined
        ? []
        : propertyNames(schema).flatMap((name) =>
            HOSTILE.map((h) => ({ h, url, body: wrap(`{${JSON.stringify(name)}:${h}}`) })),
          ),
    );
    // Every wrong type for every property (a check that trusts the schema's types crashes on
    // one of them), the other hostile values for a fixed sample.
    const picked = cases.filter(({ h }) => WRONG_TYPES.includes(h) || random() < 0.1);

    void it(`${plugin.name}: ${picked.length} confs with one hostile property`, async () => {
      for (const { url, body } of picked) {
        const before = await admin.revision();
        const res = await admin.request('PUT', `/apisix/admin/${url}`, body);
        const what = `PUT ${url} ${body.slice(0, 120)}`;
        assertSane(res, what);
        if (res.status >= 400) assert.equal(await admin.revision(), before, `wrote <= ${what}`);
      }
    });
  }
});
