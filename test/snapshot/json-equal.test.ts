import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonEqual } from '../../src/snapshot/json-equal.js';

void test('JSON values compare by structure, objects regardless of key order', () => {
  const cases: { desc: string; a: unknown; b: unknown; equal: boolean }[] = [
    { desc: 'same scalars', a: 'x', b: 'x', equal: true },
    { desc: 'number and its string', a: 1, b: '1', equal: false },
    { desc: 'both absent', a: undefined, b: undefined, equal: true },
    { desc: 'absent and null', a: undefined, b: null, equal: false },
    { desc: 'key order', a: { a: 1, b: [1, 2] }, b: { b: [1, 2], a: 1 }, equal: true },
    { desc: 'array order', a: [1, 2], b: [2, 1], equal: false },
    { desc: 'array and object', a: [], b: {}, equal: false },
    { desc: 'extra key', a: { a: 1 }, b: { a: 1, b: 2 }, equal: false },
    { desc: 'same count, other key', a: { a: 1 }, b: { b: 1 }, equal: false },
    { desc: 'nested', a: [['==', 'arg_x', 1]], b: [['==', 'arg_x', 2]], equal: false },
  ];
  for (const { desc, a, b, equal } of cases) assert.equal(jsonEqual(a, b), equal, desc);
});
