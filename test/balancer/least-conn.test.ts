import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLeastConn } from '../../src/balancer/least-conn.js';
import { pickerContract } from '../contract/picker.contract.js';
import { node } from './nodes.js';

pickerContract('least_conn', createLeastConn, { weighted: true });

void test('least_conn prefers the idle node', () => {
  const [a, b] = [node('a'), node('b')];
  const picker = createLeastConn([a, b]);
  assert.equal(picker.pick({}), a);
  // a is busy now; b is idle and must get the next requests until it is as busy.
  assert.equal(picker.pick({}), b);
  picker.done?.(b, { ms: 1, failed: false });
  assert.equal(picker.pick({}), b);
  picker.done?.(b, { ms: 1, failed: false });
  picker.done?.(a, { ms: 1, failed: false });
  assert.equal(picker.pick({}), a);
});

void test('least_conn weighs connections: a node of weight 3 carries three times the load', () => {
  const [a, b] = [node('a', 3), node('b', 1)];
  const picker = createLeastConn([a, b]);
  const picks = Array.from({ length: 8 }, () => picker.pick({})!.host);
  assert.equal(picks.filter((h) => h === 'a').length, 6);
});

void test('least_conn ignores a done without a pick instead of going negative', () => {
  const [a, b] = [node('a'), node('b')];
  const picker = createLeastConn([a, b]);
  picker.done?.(b, { ms: 1, failed: false });
  assert.equal(picker.pick({}), a);
  assert.equal(picker.pick({}), b);
});

void test('least_conn with tried nodes takes the least loaded of the rest', () => {
  const [a, b, c] = [node('a'), node('b'), node('c')];
  const picker = createLeastConn([a, b, c]);
  picker.pick({}); // a
  picker.pick({}); // b
  assert.equal(picker.pick({ tried: new Set(['c:80']) }), a);
});
