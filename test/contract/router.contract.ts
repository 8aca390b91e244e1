import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MatchRequest, RouteMatchSpec, Router, RouterKind } from '../../src/router/types.js';
import { request, route } from './router-fixtures.js';

interface Case {
  desc: string;
  routes: RouteMatchSpec[];
  /** Applied after the routes, in order. */
  changes?: ({ upsert: RouteMatchSpec } | { remove: string })[];
  expect: [MatchRequest, string | undefined][];
}

const cases: Case[] = [
  {
    desc: 'an exact path beats a prefix, whatever the priority',
    routes: [route('prefix', '/blog/foo/*', { priority: 10 }), route('exact', '/blog/foo/bar')],
    expect: [
      [request('/blog/foo/bar'), 'exact'],
      [request('/blog/foo/baz'), 'prefix'],
    ],
  },
  {
    desc: 'the longest prefix wins, whatever the priority',
    routes: [
      route('short', '/blog/*', { priority: 100 }),
      route('long', '/blog/foo/*'),
      route('longer', '/blog/foo/a/*'),
    ],
    expect: [
      [request('/blog/foo/a/b/c'), 'longer'],
      [request('/blog/foo/b'), 'long'],
      [request('/blog/x'), 'short'],
    ],
  },
  {
    desc: 'priority orders routes that share one path',
    routes: [route('low', '/a', { priority: 1 }), route('high', '/a', { priority: 5 })],
    expect: [[request('/a'), 'high']],
  },
  {
    desc: 'priority orders routes that share one prefix key',
    routes: [route('low', '/a/*', { priority: -1 }), route('zero', '/a/*')],
    expect: [[request('/a/b'), 'zero']],
  },
  {
    desc: 'equal priorities keep insertion order',
    routes: [route('first', '/a'), route('second', '/a')],
    expect: [[request('/a'), 'first']],
  },
  {
    desc: 'within one key a longer original path comes first',
    routes: [route('plain', '/a/*'), route('pattern', '/a/*/b')],
    expect: [
      [request('/a/x/b'), 'pattern'],
      [request('/a/x/c'), 'plain'],
    ],
  },
  {
    desc: '/foo/* needs the slash, /foo* does not, /* takes the rest',
    routes: [route('slash', '/foo/*'), route('bare', '/foo*'), route('all', '/*')],
    expect: [
      [request('/foo/'), 'slash'],
      [request('/foo/a/b'), 'slash'],
      [request('/foo'), 'bare'],
      [request('/foobar'), 'bare'],
      [request('/fo'), 'all'],
      [request('/'), 'all'],
    ],
  },
  {
    desc: 'a bare * matches every path',
    routes: [route('any', '*')],
    expect: [
      [request('/x/y'), 'any'],
      [request('/'), 'any'],
    ],
  },
  {
    desc: 'a path without * matches only itself',
    routes: [route('a', '/a')],
    expect: [
      [request('/a'), 'a'],
      [request('/a/'), undefined],
      [request('/ab'), undefined],
      [request('/'), undefined],
    ],
  },
  {
    desc: 'each of uris is a path of the route',
    routes: [route('r', ['/a', '/b/*'])],
    expect: [
      [request('/a'), 'r'],
      [request('/b/c'), 'r'],
      [request('/c'), undefined],
    ],
  },
  {
    desc: 'methods must list the request method, and a miss falls through',
    routes: [route('post', '/a', { methods: ['POST', 'PUT'] }), route('other', '/a')],
    expect: [
      [request('/a', { method: 'PUT' }), 'post'],
      [request('/a', { method: 'GET' }), 'other'],
      [request('/a', { method: 'BREW' }), 'other'],
    ],
  },
  {
    desc: 'remote_addrs with IPv4 and IPv6 CIDRs',
    routes: [
      route('inside', '/a', { remoteAddrs: ['10.0.0.0/8', '2001:db8::/32', '192.168.1.1'] }),
    ],
    expect: [
      [request('/a', { remoteAddr: '10.9.8.7' }), 'inside'],
      [request('/a', { remoteAddr: '192.168.1.1' }), 'inside'],
      [request('/a', { remoteAddr: '2001:db8:1::1' }), 'inside'],
      [request('/a', { remoteAddr: '::ffff:10.0.0.1' }), 'inside'],
      [request('/a', { remoteAddr: '11.0.0.1' }), undefined],
      [request('/a', { remoteAddr: '2001:db9::1' }), undefined],
    ],
  },
  {
    desc: 'a wildcard host matches its suffix at any depth, not the bare domain',
    routes: [route('wild', '/a', { hosts: ['*.foo.com'] })],
    expect: [
      [request('/a', { host: 'x.foo.com' }), 'wild'],
      [request('/a', { host: 'x.y.foo.com' }), 'wild'],
      [request('/a', { host: 'foo.com' }), undefined],
      [request('/a', { host: 'xfoo.com' }), undefined],
    ],
  },
  {
    desc: 'exact hosts, and * for any host',
    routes: [
      route('exact', '/a', { hosts: ['a.com', 'b.com'] }),
      route('any', '/b', { hosts: ['*'] }),
    ],
    expect: [
      [request('/a', { host: 'b.com' }), 'exact'],
      [request('/a', { host: 'c.com' }), undefined],
      [request('/b', { host: 'whatever.org' }), 'any'],
    ],
  },
  {
    desc: 'a host route and a host-less route on one path: the host route first when it is first',
    routes: [route('host', '/a', { hosts: ['a.com'] }), route('nohost', '/a')],
    expect: [
      [request('/a', { host: 'a.com' }), 'host'],
      [request('/a', { host: 'b.com' }), 'nohost'],
    ],
  },
  {
    desc: 'vars compare numbers as numbers',
    routes: [route('big', '/a', { vars: [['arg_n', '>', 5]] }), route('rest', '/a')],
    expect: [
      [request('/a', { query: { n: '10' } }), 'big'],
      [request('/a', { query: { n: '5' } }), 'rest'],
      [request('/a', { query: { n: 'many' } }), 'rest'],
      [request('/a'), 'rest'],
    ],
  },
  {
    desc: 'filter must answer true',
    routes: [
      route('filtered', '/a', { filter: (vars) => vars.get('arg_ok') === '1' }),
      route('rest', '/a'),
    ],
    expect: [
      [request('/a', { query: { ok: '1' } }), 'filtered'],
      [request('/a', { query: { ok: '0' } }), 'rest'],
    ],
  },
  {
    desc: 'a filter that throws does not match',
    routes: [
      route('broken', '/a', {
        filter: () => {
          throw new Error('boom');
        },
      }),
      route('rest', '/a'),
    ],
    expect: [[request('/a'), 'rest']],
  },
  {
    desc: 'an upsert of a known id keeps its insertion position',
    routes: [route('first', '/a'), route('second', '/a')],
    changes: [{ upsert: route('first', '/a', { methods: ['GET'] }) }],
    expect: [[request('/a'), 'first']],
  },
  {
    desc: 'an upsert replaces the paths of the route',
    routes: [route('r', '/old/*')],
    changes: [{ upsert: route('r', '/new') }],
    expect: [
      [request('/old/x'), undefined],
      [request('/new'), 'r'],
    ],
  },
  {
    desc: 'an upsert can change the priority',
    routes: [route('a', '/x'), route('b', '/x')],
    changes: [{ upsert: route('b', '/x', { priority: 1 }) }],
    expect: [[request('/x'), 'b']],
  },
  {
    desc: 'a removed route no longer matches and the next one does',
    routes: [route('a', '/x/*'), route('b', '/x/*'), route('c', '/*')],
    changes: [{ remove: 'a' }],
    expect: [
      [request('/x/1'), 'b'],
      [request('/y'), 'c'],
    ],
  },
  {
    desc: 'removing every route of a key falls back to a shorter prefix',
    routes: [route('a', '/x/*'), route('c', '/*')],
    changes: [{ remove: 'a' }],
    expect: [[request('/x/1'), 'c']],
  },
  {
    desc: 'a removed route added again goes last among equals (a disabled route re-enabled)',
    routes: [route('a', '/x'), route('b', '/x')],
    changes: [{ remove: 'a' }, { upsert: route('a', '/x') }],
    expect: [[request('/x'), 'b']],
  },
  {
    desc: 'removing an unknown id changes nothing',
    routes: [route('a', '/x')],
    changes: [{ remove: 'nope' }],
    expect: [[request('/x'), 'a']],
  },
];

/**
 * The behaviour every HTTP router shares (spec §4.2–4.3). Each router's test file runs it; what
 * differs between routers (parameters, hosts as a filter or an outer tree) is tested there.
 */
export function routerContract(kind: RouterKind, create: () => Router): void {
  void describe(`router contract: ${kind}`, () => {
    for (const c of cases) {
      void test(c.desc, () => {
        const router = create();
        for (const r of c.routes) router.upsert(r);
        for (const change of c.changes ?? []) {
          if ('upsert' in change) router.upsert(change.upsert);
          else router.remove(change.remove);
        }
        for (const [req, want] of c.expect) {
          assert.equal(router.match(req)?.id, want, `${req.method} ${req.host}${req.path}`);
        }
      });
    }

    void test('size counts routes, not paths', () => {
      const router = create();
      router.upsert(route('a', ['/a', '/b']));
      router.upsert(route('b', '/c'));
      router.upsert(route('a', '/d'));
      assert.equal(router.size, 2);
      router.remove('a');
      assert.equal(router.size, 1);
    });

    void test('many routes: each exact and prefix route answers for its own path', () => {
      const router = create();
      const n = 5000;
      for (let i = 0; i < n; i++) {
        router.upsert(route(`e${i}`, `/svc${i}/item`));
        router.upsert(route(`p${i}`, `/svc${i}/*`));
        router.upsert(route(`h${i}`, `/h/*`, { hosts: [`h${i}.example.com`] }));
      }
      for (let i = 0; i < n; i += 97) {
        assert.equal(router.match(request(`/svc${i}/item`))?.id, `e${i}`);
        assert.equal(router.match(request(`/svc${i}/other`))?.id, `p${i}`);
        assert.equal(router.match(request('/h/x', { host: `h${i}.example.com` }))?.id, `h${i}`);
      }
      assert.equal(router.match(request('/nothing')), undefined);
      for (let i = 0; i < n; i++) router.remove(`p${i}`);
      assert.equal(router.match(request('/svc1/other')), undefined);
      assert.equal(router.size, 2 * n);
    });
  });
}
