import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PickContext, Picker, UpstreamNode } from '../../src/balancer/types.js';
import { node, nodes } from '../balancer/nodes.js';

export interface PickerContractOptions {
  /** Whether picks follow weights (false for ewma, which ignores them). */
  readonly weighted: boolean;
  /** The context of pick number i: chash needs a varying key to spread load. */
  readonly context?: (i: number) => PickContext;
  /** createPicker's one-node shortcut retries its node, as APISIX does (single.ts). */
  readonly singleNodeIgnoresTried?: boolean;
}

/**
 * The behaviour every picker shares. An algorithm's test file runs it with its factory.
 * Distribution is checked statistically over many picks with a loose tolerance, never timed.
 * Picks in the distribution test are not followed by `done`, as under concurrent load.
 *
 * @example pickerContract('roundrobin', createRoundRobin, { weighted: true });
 */
export function pickerContract(
  name: string,
  create: (nodes: UpstreamNode[]) => Picker,
  opts: PickerContractOptions,
): void {
  const ctxAt = opts.context ?? (() => ({}));
  const withTried = (i: number, tried: ReadonlySet<string>): PickContext => ({
    ...ctxAt(i),
    tried,
  });

  void describe(`${name}: Picker contract`, () => {
    void test('never returns a weight-0 node', () => {
      const set = [node('a', 0), node('b', 1), node('c', 0), node('d', 3)];
      const picker = create(set);
      for (let i = 0; i < 500; i++) {
        const picked = picker.pick(ctxAt(i));
        assert.ok(picked !== undefined);
        assert.ok(picked.weight > 0, `picked ${picked.key}`);
      }
    });

    void test('returns nothing when every node has weight 0', () => {
      const picker = create([node('a', 0), node('b', 0)]);
      assert.equal(picker.pick(ctxAt(0)), undefined);
    });

    void test('never returns a tried node and walks through every untried one', () => {
      const set = nodes(7);
      for (let start = 0; start < 20; start++) {
        const picker = create(set);
        const tried = new Set<string>();
        for (let k = 0; k < set.length; k++) {
          const picked = picker.pick(withTried(start, tried));
          assert.ok(picked !== undefined, `try ${k} found nothing`);
          assert.ok(!tried.has(picked.key), `returned tried node ${picked.key}`);
          tried.add(picked.key);
        }
        assert.equal(tried.size, set.length);
        assert.equal(picker.pick(withTried(start, tried)), undefined);
      }
    });

    void test('returns undefined when all nodes were tried', () => {
      const set = nodes(3);
      const picker = create(set);
      assert.equal(picker.pick(withTried(0, new Set(set.map((n) => n.key)))), undefined);
    });

    void test('ignores tried keys of nodes it does not hold', () => {
      const set = nodes(2);
      const picker = create(set);
      assert.ok(picker.pick(withTried(0, new Set(['192.0.2.1:80']))) !== undefined);
    });

    void test('handles one node', () => {
      const only = node('solo', 4);
      const picker = create([only]);
      for (let i = 0; i < 10; i++) assert.equal(picker.pick(ctxAt(i)), only);
      const retry = picker.pick(withTried(0, new Set([only.key])));
      assert.equal(retry, opts.singleNodeIgnoresTried === true ? only : undefined);
    });

    void test('handles no nodes', () => {
      assert.equal(create([]).pick(ctxAt(0)), undefined);
    });

    void test('handles many nodes and reaches each of them', () => {
      const set = nodes(300);
      const picker = create(set);
      const seen = new Set<string>();
      for (let i = 0; i < 30_000; i++) seen.add(picker.pick(ctxAt(i))!.key);
      assert.equal(seen.size, set.length);
    });

    void test('done accepts every picked node, and nodes it does not hold', () => {
      const set = nodes(3);
      const picker = create(set);
      for (let i = 0; i < 10; i++) {
        const picked = picker.pick(ctxAt(i))!;
        picker.done?.(picked, { ms: 5, failed: i % 3 === 0 });
      }
      picker.done?.(node('stranger'), { ms: 1, failed: false });
    });

    const shares = opts.weighted ? [1, 2, 3, 6] : [1, 1, 1, 1];
    void test(`distributes picks in proportion to ${opts.weighted ? 'weights' : 'nodes'}`, () => {
      const set = shares.map((w, i) => node(`n${i}`, opts.weighted ? w : 1 + i));
      const picker = create(set);
      const total = 24_000;
      const counts = new Map<string, number>();
      for (let i = 0; i < total; i++) {
        const key = picker.pick(ctxAt(i))!.key;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const sum = shares.reduce((a, b) => a + b, 0);
      set.forEach((n, i) => {
        const expected = (total * shares[i]!) / sum;
        const got = counts.get(n.key) ?? 0;
        assert.ok(
          Math.abs(got - expected) / expected < 0.15,
          `${n.key}: ${got} picks, expected about ${expected.toFixed(0)}`,
        );
      });
    });
  });
}
