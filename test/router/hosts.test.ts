import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRouter } from '../../src/router/create-router.js';
import type { RouterKind } from '../../src/router/types.js';
import { request, route } from '../contract/router-fixtures.js';

const uriKinds: RouterKind[] = ['radixtree_uri', 'radixtree_uri_with_parameter'];

void describe('radixtree_host_uri: hosts are the outer tree', () => {
  void test('any host route beats any host-less route, whatever the priority or path', () => {
    const router = createRouter('radixtree_host_uri');
    router.upsert(route('nohost', '/a/b', { priority: 100 }));
    router.upsert(route('host', '/*', { hosts: ['a.com'] }));
    assert.equal(router.match(request('/a/b', { host: 'a.com' }))?.id, 'host');
    assert.equal(router.match(request('/a/b', { host: 'b.com' }))?.id, 'nohost');
  });

  void test('exact host first, then the longest wildcard, then *, then host-less', () => {
    const router = createRouter('radixtree_host_uri');
    router.upsert(route('any', '/*', { hosts: ['*'] }));
    router.upsert(route('short', '/*', { hosts: ['*.com'] }));
    router.upsert(route('long', '/x/*', { hosts: ['*.foo.com'] }));
    router.upsert(route('exact', '/x/y', { hosts: ['a.foo.com'] }));
    router.upsert(route('nohost', '/*'));
    assert.equal(router.match(request('/x/y', { host: 'a.foo.com' }))?.id, 'exact');
    assert.equal(router.match(request('/x/z', { host: 'a.foo.com' }))?.id, 'long');
    assert.equal(router.match(request('/q', { host: 'a.foo.com' }))?.id, 'short');
    assert.equal(router.match(request('/q', { host: 'a.org' }))?.id, 'any');
  });

  void test('a route host with a port never matches', () => {
    const router = createRouter('radixtree_host_uri');
    router.upsert(route('port', '/a', { hosts: ['a.com:8080'] }));
    assert.equal(router.match(request('/a', { host: 'a.com', rawHost: 'a.com:8080' })), undefined);
  });

  void test('removing the last route of a host drops the host', () => {
    const router = createRouter('radixtree_host_uri');
    router.upsert(route('h', '/a', { hosts: ['*.a.com'] }));
    router.upsert(route('n', '/a'));
    router.remove('h');
    assert.equal(router.match(request('/a', { host: 'x.a.com' }))?.id, 'n');
  });
});

for (const kind of uriKinds) {
  void describe(`${kind}: hosts are a per-route check`, () => {
    void test('priority decides between a host route and a host-less route', () => {
      const router = createRouter(kind);
      router.upsert(route('nohost', '/a', { priority: 1 }));
      router.upsert(route('host', '/a', { hosts: ['a.com'] }));
      assert.equal(router.match(request('/a', { host: 'a.com' }))?.id, 'nohost');
    });

    void test('a longer prefix without hosts beats a shorter one with hosts', () => {
      const router = createRouter(kind);
      router.upsert(route('host', '/*', { hosts: ['a.com'] }));
      router.upsert(route('nohost', '/a/*'));
      assert.equal(router.match(request('/a/b', { host: 'a.com' }))?.id, 'nohost');
    });

    void test('a route host with a port compares with the Host header as received', () => {
      const router = createRouter(kind);
      router.upsert(route('port', '/a', { hosts: ['a.com:8080'] }));
      assert.equal(
        router.match(request('/a', { host: 'a.com', rawHost: 'a.com:8080' }))?.id,
        'port',
      );
      assert.equal(router.match(request('/a', { host: 'a.com', rawHost: 'a.com' })), undefined);
    });
  });
}
