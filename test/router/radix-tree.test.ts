import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RadixTree } from '../../src/router/radix-tree.js';

function all<V>(tree: RadixTree<V>, subject: string): V[] {
  const seen: V[] = [];
  tree.find(subject, (v) => void seen.push(v), null);
  return seen;
}

void describe('RadixTree', () => {
  void test('find visits stored prefixes longest first', () => {
    const tree = new RadixTree<string>();
    for (const k of ['/', '/foo/', '/foo/bar/', '/fob', '']) tree.set(k, k);
    assert.deepEqual(all(tree, '/foo/bar/baz'), ['/foo/bar/', '/foo/', '/', '']);
    assert.deepEqual(all(tree, '/fob'), ['/fob', '/', '']);
    assert.deepEqual(all(tree, 'x'), ['']);
  });

  void test('a reverse tree finds suffixes longest first', () => {
    const tree = new RadixTree<string>({ reverse: true });
    for (const k of ['.foo.com', '.com', '', 'a.foo.com']) tree.set(k, k);
    assert.deepEqual(all(tree, 'x.b.foo.com'), ['.foo.com', '.com', '']);
    assert.deepEqual(all(tree, 'a.foo.com'), ['a.foo.com', '.foo.com', '.com', '']);
    assert.equal(tree.get('.foo.com'), '.foo.com');
  });

  void test('get is exact', () => {
    const tree = new RadixTree<number>();
    tree.set('/abc', 1);
    assert.equal(tree.get('/ab'), undefined);
    assert.equal(tree.get('/abc'), 1);
    assert.equal(tree.get('/abcd'), undefined);
  });

  void test('delete prunes and merges nodes back to the shape of the remaining keys', () => {
    const tree = new RadixTree<number>();
    tree.set('/api/v1/', 1);
    const alone = tree.nodeCount;
    tree.set('/api/v2/', 2);
    tree.set('/api/', 3);
    tree.set('/b', 4);
    assert.ok(tree.nodeCount > alone);
    assert.equal(tree.delete('/api/v2/'), true);
    assert.equal(tree.delete('/api/'), true);
    assert.equal(tree.delete('/b'), true);
    assert.equal(tree.nodeCount, alone);
    assert.equal(tree.get('/api/v1/'), 1);
    assert.equal(tree.delete('/api/v1/'), true);
    assert.equal(tree.nodeCount, 0);
    assert.equal(tree.delete('/api/v1/'), false);
  });
});
