import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRouter } from '../../src/router/create-router.js';
import { request, route } from '../contract/router-fixtures.js';

const cases: {
  desc: string;
  path: string;
  req: string;
  params: Record<string, string> | undefined;
}[] = [
  { desc: ':name captures one segment', path: '/user/:id', req: '/user/42', params: { id: '42' } },
  { desc: ':name does not cross a slash', path: '/user/:id', req: '/user/42/x', params: undefined },
  { desc: ':name needs a non-empty segment', path: '/user/:id', req: '/user/', params: undefined },
  {
    desc: 'several parameters',
    path: '/user/:id/post/:pid',
    req: '/user/1/post/2',
    params: { id: '1', pid: '2' },
  },
  {
    desc: '*name captures the rest',
    path: '/files/*path',
    req: '/files/a/b.txt',
    params: { path: 'a/b.txt' },
  },
  {
    desc: 'a bare * in a pattern is :ext',
    path: '/x/:id/*',
    req: '/x/1/a/b',
    params: { id: '1', ':ext': 'a/b' },
  },
  {
    desc: 'literal segments after a parameter are literal',
    path: '/v/:id/a.b',
    req: '/v/1/axb',
    params: undefined,
  },
  {
    desc: 'the whole path must match',
    path: '/user/:id/edit',
    req: '/user/1/edit/more',
    params: undefined,
  },
];

void describe('radixtree_uri_with_parameter', () => {
  for (const c of cases) {
    void test(c.desc, () => {
      const router = createRouter('radixtree_uri_with_parameter');
      router.upsert(route('r', c.path));
      const found = router.match(request(c.req));
      assert.deepEqual(found === undefined ? undefined : { ...found.params }, c.params);
    });
  }

  void test('a parameter route shares its key with a prefix and the longer path goes first', () => {
    const router = createRouter('radixtree_uri_with_parameter');
    router.upsert(route('prefix', '/user/*'));
    router.upsert(route('param', '/user/:id'));
    assert.equal(router.match(request('/user/7'))?.id, 'param');
    assert.equal(router.match(request('/user/7/x'))?.id, 'prefix');
  });

  void test('an exact path beats a parameter route', () => {
    const router = createRouter('radixtree_uri_with_parameter');
    router.upsert(route('param', '/user/:id', { priority: 9 }));
    router.upsert(route('me', '/user/me'));
    assert.equal(router.match(request('/user/me'))?.id, 'me');
  });
});

void describe('radixtree_uri: parameters are literal', () => {
  void test('/user/:id matches only the literal path', () => {
    const router = createRouter('radixtree_uri');
    router.upsert(route('r', '/user/:id'));
    assert.equal(router.match(request('/user/42')), undefined);
    assert.deepEqual(router.match(request('/user/:id')), { id: 'r' });
  });

  void test('a * in the middle still makes a pattern (as radixtree does in every router)', () => {
    const router = createRouter('radixtree_uri');
    router.upsert(route('r', '/a/*/b'));
    assert.equal(router.match(request('/a/x/y/b'))?.id, 'r');
    assert.equal(router.match(request('/a/x/c')), undefined);
  });
});
