import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRoundRobin } from '../../src/balancer/roundrobin.js';
import { pickerContract } from '../contract/picker.contract.js';
import { node } from './nodes.js';

pickerContract('roundrobin', createRoundRobin, { weighted: true });

const hostsOf = (picker: ReturnType<typeof createRoundRobin>, count: number, tried?: Set<string>) =>
  Array.from({ length: count }, () => picker.pick({ tried })?.host).join(' ');

void test('roundrobin interleaves weights 5,1,1 as nginx does: a a b a c a a', () => {
  const picker = createRoundRobin([node('a', 5), node('b', 1), node('c', 1)]);
  assert.equal(hostsOf(picker, 14), 'a a b a c a a a a b a c a a');
});

void test('roundrobin alternates equal weights in configuration order', () => {
  const picker = createRoundRobin([node('a'), node('b'), node('c')]);
  assert.equal(hostsOf(picker, 6), 'a b c a b c');
});

void test('roundrobin leaves tried nodes out of the round and keeps the others in turn', () => {
  const picker = createRoundRobin([node('a', 2), node('b', 1), node('c', 1)]);
  assert.equal(hostsOf(picker, 4, new Set(['a:80'])), 'b c b c');
});
