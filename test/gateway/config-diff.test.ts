import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changedKeys } from '../../src/gateway/config-diff.js';

void test('changedKeys lists changed, added and removed leaf keys, sorted', () => {
  assert.deepEqual(changedKeys({ a: { b: 1, c: 2 }, d: 1 }, { a: { b: 1, c: 3 }, e: 1 }), [
    'a.c',
    'd',
    'e',
  ]);
});

void test('changedKeys reports an array once, as a whole', () => {
  assert.deepEqual(changedKeys({ plugins: ['a', 'b'] }, { plugins: ['a'] }), ['plugins']);
  assert.deepEqual(changedKeys({ plugins: ['a'] }, { plugins: ['a'] }), []);
});
