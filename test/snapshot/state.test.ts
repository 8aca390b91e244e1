import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KeyValue } from '../../src/core/kv.js';
import { silentLogger } from '../../src/core/logger.js';
import { PluginRegistry } from '../../src/plugin/registry.js';
import type { MatchRequest, RequestVars } from '../../src/snapshot/types.js';
import { DataPlaneState } from '../../src/snapshot/state.js';
import type { UpstreamSource } from '../../src/snapshot/types.js';

/** A stand-in runtime: records what was built and closed, no sockets. */
class FakeUpstream {
  closed = false;
  constructor(readonly source: UpstreamSource) {}
  close(): void {
    this.closed = true;
  }
}

function setup(decrypt?: (dir: string, value: Record<string, unknown>) => Record<string, unknown>) {
  const built: FakeUpstream[] = [];
  const state = new DataPlaneState({
    prefix: '/apisix',
    routerKind: 'radixtree_host_uri',
    plugins: () => new PluginRegistry([], []),
    logger: silentLogger(),
    ...(decrypt === undefined ? {} : { decrypt }),
    upstreams: (source) => {
      const up = new FakeUpstream(source);
      built.push(up);
      return up;
    },
  });
  let rev = 1;
  const kv = (path: string, value: unknown): KeyValue => {
    rev++;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return { key: `/apisix/${path}`, value: text, createRevision: rev, modRevision: rev, lease: 0 };
  };
  const put = (path: string, value: unknown) => {
    const item = kv(path, value);
    state.apply(item.modRevision, [{ type: 'put', kv: item }]);
  };
  const del = (path: string) => {
    rev++;
    state.apply(rev, [{ type: 'delete', key: `/apisix/${path}`, modRevision: rev }]);
  };
  state.reset([], 1);
  return { state, built, put, del, kv };
}

const noVars: RequestVars = { get: () => undefined };
const req = (path: string, host = 'example.com'): MatchRequest => ({
  method: 'GET',
  path,
  host,
  rawHost: host,
  remoteAddr: '127.0.0.1',
  vars: noVars,
});
const nodes = (port: number) => ({ nodes: { [`127.0.0.1:${port}`]: 1 } });

void test('upstream precedence is route.upstream_id > route.upstream > service.upstream_id > service.upstream', () => {
  const { state, put } = setup();
  put('upstreams/u1', nodes(1));
  put('upstreams/u2', nodes(2));
  put('services/s1', { upstream_id: 'u2', upstream: nodes(3) });
  put('services/s2', { upstream: nodes(4) });
  put('routes/a', { uri: '/a', upstream_id: 'u1', upstream: nodes(5), service_id: 's1' });
  put('routes/b', { uri: '/b', upstream: nodes(5), service_id: 's1' });
  put('routes/c', { uri: '/c', service_id: 's1' });
  put('routes/d', { uri: '/d', service_id: 's2' });
  const key = (id: string) => state.resolved(id)?.upstream?.source.key;
  assert.equal(key('a'), '/apisix/upstreams/u1');
  assert.equal(key('b'), '/apisix/routes/b#upstream');
  assert.equal(key('c'), '/apisix/upstreams/u2');
  assert.equal(key('d'), '/apisix/services/s2#upstream');
});

void test('plugins merge route over plugin_config over service', () => {
  const { state, put } = setup();
  put('services/s', {
    plugins: { a: { from: 's' }, b: { from: 's' }, c: { from: 's' } },
    upstream: nodes(1),
  });
  put('plugin_configs/p', { plugins: { b: { from: 'p' }, c: { from: 'p' } } });
  put('routes/1', {
    uri: '/x',
    service_id: 's',
    plugin_config_id: 'p',
    plugins: { c: { from: 'r' } },
  });
  assert.deepEqual(state.resolved('1')?.plugins, {
    a: { from: 's' },
    b: { from: 'p' },
    c: { from: 'r' },
  });
});

void test('a route with no plugins anywhere has none; adding some to its service gives them', () => {
  const { state, put } = setup();
  put('services/s', { upstream: nodes(1) });
  put('routes/1', { uri: '/x', service_id: 's' });
  put('routes/2', { uri: '/y', upstream: nodes(1) });
  assert.deepEqual(state.resolved('1')?.plugins, {});
  assert.deepEqual(state.resolved('2')?.plugins, {});
  put('services/s', { plugins: { a: { from: 's' } }, upstream: nodes(1) });
  assert.deepEqual(state.resolved('1')?.plugins, { a: { from: 's' } });
  assert.deepEqual(state.resolved('2')?.plugins, {});
});

void test('a missing service, plugin_config or upstream fails the route with 404, 503, 502', () => {
  const { state, put } = setup();
  put('routes/s', { uri: '/s', service_id: 'nope' });
  put('routes/p', { uri: '/p', plugin_config_id: 'nope', upstream: nodes(1) });
  put('routes/u', { uri: '/u', upstream_id: 'nope' });
  put('services/empty', {});
  put('routes/n', { uri: '/n', service_id: 'empty' });
  assert.equal(state.match(req('/s'))?.route.failure?.status, 404);
  assert.equal(state.match(req('/p'))?.route.failure?.status, 503);
  assert.equal(state.match(req('/u'))?.route.failure?.status, 502);
  assert.equal(state.match(req('/n'))?.route.failure?.status, 503);
});

void test('a route whose upstream appears later is repaired without touching the route', () => {
  const { state, put } = setup();
  put('routes/1', { uri: '/x', upstream_id: 'u' });
  assert.equal(state.match(req('/x'))?.route.failure?.status, 502);
  put('upstreams/u', nodes(1));
  assert.equal(state.match(req('/x'))?.route.failure, undefined);
  assert.equal(state.match(req('/x'))?.route.upstreamId, 'u');
});

void test('a broken value is skipped and reported while the previous version keeps serving', () => {
  const { state, put } = setup();
  put('routes/1', { uri: '/old', upstream: nodes(1) });
  put('routes/1', { uri: 42 });
  put('routes/2', '{not json');
  assert.ok(state.match(req('/old')));
  const problems = state.problems();
  assert.deepEqual(
    problems.map((p) => p.key),
    ['/apisix/routes/1', '/apisix/routes/2'],
  );
  assert.match(problems[0]!.message, /uri/);
  put('routes/1', { uri: '/new', upstream: nodes(1) });
  assert.equal(state.match(req('/old')), undefined);
  assert.ok(state.match(req('/new')));
  assert.deepEqual(
    state.problems().map((p) => p.key),
    ['/apisix/routes/2'],
  );
});

void test('init_dir placeholders are skipped silently and pre-3.14 values with stored defaults load', () => {
  const { state, kv } = setup();
  state.reset(
    [
      kv('routes/', 'init_dir'),
      kv('routes/1', {
        id: '1',
        uri: '/x',
        priority: 0,
        status: 1,
        upstream: {
          type: 'roundrobin',
          hash_on: 'vars',
          pass_host: 'pass',
          scheme: 'http',
          nodes: { '127.0.0.1:1': 1 },
        },
      }),
    ],
    10,
  );
  assert.deepEqual(state.problems(), []);
  assert.equal(state.match(req('/x'))?.route.id, '1');
  assert.equal(state.revision, 10);
});

void test('status 0 keeps a route loaded but out of the router', () => {
  const { state, put } = setup();
  put('routes/1', { uri: '/x', status: 0, upstream: nodes(1) });
  assert.equal(state.match(req('/x')), undefined);
  assert.ok(state.item('routes', '1'));
});

void test('a new version of a route with the same predicates routes as the old one did', () => {
  const { state, put } = setup();
  const broken = 'function(vars) { return (';
  const routes = {
    on: { uri: '/on' },
    off: { uri: '/off', status: 0 },
    bad: { uri: '/bad', filter_func: broken },
  };
  for (const [id, route] of Object.entries(routes)) {
    put(`routes/${id}`, { ...route, upstream: nodes(1) });
  }
  for (const [id, route] of Object.entries(routes)) {
    put(`routes/${id}`, { ...route, desc: 'v2', upstream: nodes(2) });
  }
  const nodesOf = (path: string) =>
    Object.keys(state.match(req(path))?.route.upstream?.source.conf.nodes ?? {});
  assert.deepEqual(nodesOf('/on'), ['127.0.0.1:2']);
  assert.equal(state.match(req('/off')), undefined);
  assert.equal(state.match(req('/bad')), undefined);
  assert.deepEqual(
    state.problems().map((p) => p.key),
    ['/apisix/routes/bad'],
  );
  put('routes/on', { uri: '/moved', upstream: nodes(2) });
  assert.equal(state.match(req('/on')), undefined);
  assert.deepEqual(nodesOf('/moved'), ['127.0.0.1:2']);
});

void test('a route without hosts takes its service hosts, and follows a change of them', () => {
  const { state, put } = setup();
  put('services/s', { hosts: ['a.com'], upstream: nodes(1) });
  put('routes/1', { uri: '/x', service_id: 's' });
  assert.ok(state.match(req('/x', 'a.com')));
  assert.equal(state.match(req('/x', 'b.com')), undefined);
  put('services/s', { hosts: ['b.com'], upstream: nodes(1) });
  assert.equal(state.match(req('/x', 'a.com')), undefined);
  assert.ok(state.match(req('/x', 'b.com')));
});

void test('changing one route leaves the other routes and their upstream runtimes alone', () => {
  const { state, put, built } = setup();
  put('upstreams/u', nodes(1));
  put('routes/1', { uri: '/one', upstream_id: 'u' });
  put('routes/2', { uri: '/two', upstream: nodes(2) });
  const shared = state.resolved('1')?.upstream;
  const inline = state.resolved('2')?.upstream;
  const before = built.length;
  put('routes/1', { uri: '/one', upstream_id: 'u', desc: 'edited' });
  put('routes/2', { uri: '/two', upstream: nodes(2), desc: 'an unrelated edit keeps the pools' });
  assert.equal(built.length, before);
  assert.equal(state.resolved('1')?.upstream, shared);
  assert.equal(state.resolved('2')?.upstream, inline);
  put('routes/2', { uri: '/two', upstream: nodes(3) });
  assert.equal(inline?.closed, true);
  assert.equal(shared?.closed, false);
});

void test('an upstream change rebuilds its runtime, repoints its routes and closes the old one', () => {
  const { state, put, del } = setup();
  put('upstreams/u', nodes(1));
  put('routes/1', { uri: '/one', upstream_id: 'u' });
  const old = state.resolved('1')?.upstream;
  put('upstreams/u', nodes(2));
  const next = state.resolved('1')?.upstream;
  assert.notEqual(next, old);
  assert.equal(old?.closed, true);
  del('upstreams/u');
  assert.equal(next?.closed, true);
  assert.equal(state.match(req('/one'))?.route.failure?.status, 502);
});

void test('deleting a route removes it from the router and closes its inline upstream', () => {
  const { state, put, del } = setup();
  put('routes/1', { uri: '/one', upstream: nodes(1) });
  const up = state.resolved('1')?.upstream;
  del('routes/1');
  assert.equal(state.match(req('/one')), undefined);
  assert.equal(up?.closed, true);
});

void test('routes with identical inline upstreams share one runtime; changing one leaves the other alone', () => {
  const { state, put, del, built } = setup();
  put('routes/1', { uri: '/one', upstream: nodes(1) });
  put('routes/2', { uri: '/two', upstream: nodes(1) });
  const shared = state.resolved('1')?.upstream;
  assert.equal(built.length, 1);
  assert.equal(state.resolved('2')?.upstream, shared);
  assert.equal(shared?.source.key, '/apisix/routes/1#upstream');
  put('routes/1', { uri: '/one', upstream: nodes(2) });
  const own = state.resolved('1')?.upstream;
  assert.notEqual(own, shared);
  assert.equal(state.resolved('2')?.upstream, shared);
  assert.equal(shared?.closed, false);
  put('routes/1', { uri: '/one', upstream: nodes(1) });
  assert.equal(state.resolved('1')?.upstream, shared);
  assert.equal(own?.closed, true);
  del('routes/2');
  assert.equal(shared?.closed, false);
  del('routes/1');
  assert.equal(shared?.closed, true);
  assert.equal(built.length, 2);
});

void test('a service and a route with the same inline upstream share it until the service changes', () => {
  const { state, put, del, built } = setup();
  put('services/s', { upstream: nodes(1) });
  put('routes/1', { uri: '/one', service_id: 's' });
  put('routes/2', { uri: '/two', upstream: nodes(1) });
  const shared = state.resolved('1')?.upstream;
  assert.equal(state.resolved('2')?.upstream, shared);
  put('services/s', { upstream: nodes(2) });
  assert.notEqual(state.resolved('1')?.upstream, shared);
  assert.equal(state.resolved('2')?.upstream, shared);
  assert.equal(shared?.closed, false);
  del('routes/2');
  assert.equal(shared?.closed, true);
  assert.equal(built.length, 2);
});

void test('inline upstreams that differ in any field are not shared, upstream items never are', () => {
  const { state, put, built } = setup();
  put('routes/1', { uri: '/one', upstream: nodes(1) });
  put('routes/2', { uri: '/two', upstream: { ...nodes(1), retries: 1 } });
  put('upstreams/a', nodes(1));
  put('upstreams/b', nodes(1));
  put('routes/3', { uri: '/three', upstream_id: 'a' });
  put('routes/4', { uri: '/four', upstream_id: 'b' });
  const runtimes = ['1', '2', '3', '4'].map((id) => state.resolved(id)?.upstream);
  assert.equal(new Set(runtimes).size, 4);
  assert.equal(built.length, 4);
});

void test('identical inline upstreams that balance over several nodes keep a runtime per route', () => {
  const { state, put, del, built } = setup();
  const two = { nodes: { '127.0.0.1:1': 1, '127.0.0.1:2': 1 } };
  put('routes/1', { uri: '/one', upstream: two });
  put('routes/2', { uri: '/two', upstream: two });
  put('routes/3', { uri: '/three', upstream: { ...two, type: 'least_conn' } });
  put('routes/4', { uri: '/four', upstream: { ...two, type: 'least_conn' } });
  put('routes/5', { uri: '/five', upstream: { ...two, type: 'chash', key: 'uri' } });
  put('routes/6', { uri: '/six', upstream: { ...two, type: 'chash', key: 'uri' } });
  const runtime = (id: string) => state.resolved(id)?.upstream;
  assert.notEqual(runtime('1'), runtime('2'), 'round-robin positions stay per route');
  assert.notEqual(runtime('3'), runtime('4'), 'least_conn counts stay per route');
  assert.equal(runtime('5'), runtime('6'), 'a consistent hash keeps no state between picks');
  assert.equal(built.length, 5);
  const first = runtime('1');
  put('routes/1', { uri: '/one', upstream: two, desc: 'an unrelated edit keeps it' });
  assert.equal(runtime('1'), first);
  del('routes/1');
  assert.equal(first?.closed, true);
  assert.equal(runtime('2')?.closed, false);
});

void test('a reset keeps shared inline runtimes that are still used and closes the others', () => {
  const { state, kv, built } = setup();
  const routes = (ports: number[]) =>
    ports.map((port, i) => kv(`routes/${i}`, { uri: `/r${i}`, upstream: nodes(port) }));
  state.reset(routes([1, 1, 2]), 10);
  const one = state.resolved('0')?.upstream;
  const two = state.resolved('2')?.upstream;
  assert.equal(state.resolved('1')?.upstream, one);
  assert.equal(built.length, 2);
  state.reset(routes([1, 1]), 20);
  assert.equal(state.resolved('0')?.upstream, one);
  assert.equal(state.resolved('1')?.upstream, one);
  assert.equal(one?.closed, false);
  assert.equal(two?.closed, true);
  assert.equal(built.length, 2);
});

void test('decryption sees the plugins of a value that has them, and a whole plugin_metadata value', () => {
  const seen: [string, unknown][] = [];
  const { state, put } = setup((dir, value) => {
    seen.push([dir, structuredClone(value)]);
    return dir === 'plugin_metadata'
      ? { ...value, k: 'plain' }
      : { plugins: { p: { k: 'plain' } } };
  });
  put('routes/1', { uri: '/one', upstream: nodes(1) });
  put('routes/2', { uri: '/two', plugins: { p: { k: 'cipher' } }, upstream: nodes(1) });
  put('plugin_metadata/p', { id: 'p', k: 'cipher' });
  assert.deepEqual(seen, [
    ['routes', { plugins: { p: { k: 'cipher' } } }],
    ['plugin_metadata', { id: 'p', k: 'cipher' }],
  ]);
  assert.equal(state.item('routes', '1')?.value.uri, '/one');
  assert.deepEqual(state.item('routes', '2')?.value.plugins, { p: { k: 'plain' } });
  assert.equal(state.item('routes', '2')?.value.uri, '/two');
  assert.equal(state.item('plugin_metadata', 'p')?.value.k, 'plain');
});

void test('a batch at or below the applied revision is ignored', () => {
  const { state, kv } = setup();
  const item = kv('routes/1', { uri: '/x', upstream: nodes(1) });
  state.apply(5, [{ type: 'put', kv: item }]);
  state.apply(5, [{ type: 'delete', key: '/apisix/routes/1', modRevision: 5 }]);
  assert.ok(state.match(req('/x')));
});

void test('filter_func is compiled with the route and decides the match; a broken one is a problem', () => {
  const { state, put } = setup();
  put('routes/v2', {
    uri: '/f',
    priority: 1,
    filter_func: 'function(vars) { return vars.http_x_version === "2"; }',
    upstream: nodes(1),
  });
  put('routes/any', { uri: '/f', upstream: nodes(2) });
  const withHeader = {
    ...req('/f'),
    vars: { get: (n: string) => (n === 'http_x_version' ? '2' : undefined) },
  };
  assert.equal(state.match(withHeader)?.route.id, 'v2');
  assert.equal(state.match(req('/f'))?.route.id, 'any');
  put('routes/v2', { uri: '/f', filter_func: 'function(vars) { return (', upstream: nodes(1) });
  assert.equal(state.match(withHeader)?.route.id, 'any');
  assert.match(
    state.problems().find((p) => p.key === '/apisix/routes/v2')?.message ?? '',
    /^failed to load filter_func/,
  );
});
