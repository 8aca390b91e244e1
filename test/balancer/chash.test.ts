import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createChash } from '../../src/balancer/chash.js';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { ChashRing } from '../../src/balancer/chash-ring.js';
import { crc32 } from '../../src/balancer/crc32.js';
import type { UpstreamNode } from '../../src/balancer/types.js';
import { pickerContract } from '../contract/picker.contract.js';
import { node, nodes } from './nodes.js';

pickerContract('chash', createChash, {
  weighted: true,
  context: (i) => ({ hashKey: `client-${i}` }),
});

function assignment(set: UpstreamNode[], keys: number): string[] {
  const picker = createChash(set);
  return Array.from({ length: keys }, (_, i) => picker.pick({ hashKey: `user-${i}` })!.key);
}

void test('crc32 is the IEEE CRC-32, over UTF-8', () => {
  assert.equal(crc32('123456789'), 0xcbf43926);
  assert.equal(crc32(''), 0);
  for (const text of ['é', '€uro', 'x😀y', 'lone \ud800 surrogate', 'a:b\0c']) {
    assert.equal(crc32(text), zlibCrc32(Buffer.from(text, 'utf8')), text);
  }
});

void test('chash ring matches lua-resty-balancer exactly (its t/chash.t TEST 1 counts)', () => {
  const ring = new ChashRing(['server1', 'server2', 'server3'], [10, 2, 1]);
  const counts = [0, 0, 0];
  for (let i = 1; i <= 100_000; i++) counts[ring.ownerAt(ring.find(String(i)))]!++;
  assert.deepEqual(counts, [77075, 14743, 8182]);
  assert.equal(ring.size, 2080);
});

void test('chash sends the same key to the same node, across picker rebuilds', () => {
  const set = nodes(10);
  assert.deepEqual(assignment(set, 1000), assignment([...set].reverse(), 1000));
});

void test('chash remaps only about 1/n of the keys when one of n nodes goes', () => {
  const set = nodes(10);
  const before = assignment(set, 10_000);
  const removed = set[3]!.key;
  const after = assignment(
    set.filter((n) => n.key !== removed),
    10_000,
  );
  let moved = 0;
  before.forEach((key, i) => {
    if (key !== after[i]) {
      moved++;
      assert.equal(key, removed, 'a key whose node stayed must not move');
    }
  });
  assert.ok(moved > 500 && moved < 1500, `${moved} of 10000 keys moved`);
});

void test('chash retries walk on to another node and keep doing so deterministically', () => {
  const picker = createChash(nodes(5));
  const first = picker.pick({ hashKey: 'k' })!;
  const second = picker.pick({ hashKey: 'k', tried: new Set([first.key]) })!;
  assert.notEqual(second.key, first.key);
  assert.equal(picker.pick({ hashKey: 'k', tried: new Set([first.key]) }), second);
});

void test('chash treats a missing key as the empty string rather than failing', () => {
  const picker = createChash(nodes(3));
  assert.equal(picker.pick({}), picker.pick({ hashKey: '' }));
});

void test('chash places ring points as lua-resty-balancer does (scaled weights, gcd)', () => {
  // Weights 2 and 4 have gcd 2: the same ring as weights 1 and 2.
  const scaled = assignment([node('a', 2), node('b', 4)], 2000);
  const reduced = assignment([node('a', 1), node('b', 2)], 2000);
  assert.deepEqual(scaled, reduced);
});
