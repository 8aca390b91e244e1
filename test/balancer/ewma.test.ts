import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEwma, EWMA_DECAY_MS } from '../../src/balancer/ewma.js';
import { pickerContract } from '../contract/picker.contract.js';
import { node, seededRandom } from './nodes.js';

pickerContract('ewma', (set) => createEwma(set, { random: seededRandom(7) }), {
  weighted: false,
});

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

void test('ewma prefers the faster node', () => {
  const time = clock();
  const [fast, slow] = [node('fast'), node('slow')];
  const picker = createEwma([fast, slow], { now: time.now, random: seededRandom(1) });
  picker.done?.(fast, { ms: 5, failed: false });
  picker.done?.(slow, { ms: 200, failed: false });
  for (let i = 0; i < 50; i++) assert.equal(picker.pick({}), fast);
});

void test('ewma sends most load to the fastest of several nodes', () => {
  const time = clock();
  const set = [node('a'), node('b'), node('c'), node('d')];
  const picker = createEwma(set, { now: time.now, random: seededRandom(3) });
  const latency = new Map([
    ['a', 10],
    ['b', 40],
    ['c', 80],
    ['d', 160],
  ]);
  const counts = new Map<string, number>();
  for (let i = 0; i < 4000; i++) {
    const picked = picker.pick({})!;
    counts.set(picked.host, (counts.get(picked.host) ?? 0) + 1);
    picker.done?.(picked, { ms: latency.get(picked.host)!, failed: false });
    time.advance(1);
  }
  assert.ok(counts.get('a')! > counts.get('d')! * 3, JSON.stringify([...counts]));
});

void test('ewma penalises a node that fails fast', () => {
  const time = clock();
  const [broken, fine] = [node('broken'), node('fine')];
  const picker = createEwma([broken, fine], { now: time.now, random: seededRandom(5) });
  picker.done?.(broken, { ms: 0.1, failed: true });
  picker.done?.(fine, { ms: 50, failed: false });
  assert.equal(picker.pick({}), fine);
});

void test('ewma forgets: a node slow long ago is as good as a fast one now', () => {
  const time = clock();
  const [once, steady] = [node('once'), node('steady')];
  const picker = createEwma([once, steady], { now: time.now, random: seededRandom(9) });
  picker.done?.(once, { ms: 1000, failed: false });
  time.advance(10 * EWMA_DECAY_MS);
  picker.done?.(steady, { ms: 20, failed: false });
  assert.equal(picker.pick({}), once);
});

void test('ewma explores a node never measured before a measured one', () => {
  const time = clock();
  const [seen, fresh] = [node('seen'), node('fresh')];
  const picker = createEwma([seen, fresh], { now: time.now, random: seededRandom(2) });
  picker.done?.(seen, { ms: 3, failed: false });
  assert.equal(picker.pick({}), fresh);
});
