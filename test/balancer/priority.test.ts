import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isGatehouseError } from '../../src/core/errors.js';
import { createPicker, PICKER_TYPES } from '../../src/balancer/priority.js';
import { pickerContract } from '../contract/picker.contract.js';
import { node, seededRandom } from './nodes.js';

for (const type of PICKER_TYPES) {
  pickerContract(
    `createPicker(${type})`,
    (set) => createPicker(type, set, { random: seededRandom(11) }),
    {
      weighted: type !== 'ewma',
      singleNodeIgnoresTried: type !== 'least_conn',
      context: type === 'chash' ? (i) => ({ hashKey: `k${i}` }) : undefined,
    },
  );
}

void describe('priority groups', () => {
  const high = [node('h1', 1, 10), node('h2', 1, 10)];
  const mid = [node('m1', 1, 0)];
  const low = [node('l1', 1, -5)];
  const all = [low[0]!, mid[0]!, ...high];

  for (const type of PICKER_TYPES) {
    void test(`${type}: serves from the highest group and falls to the next only when it is all tried`, () => {
      const picker = createPicker(type, all, { random: seededRandom(1) });
      for (let i = 0; i < 20; i++) {
        assert.equal(picker.pick({ hashKey: `k${i}` })!.priority, 10);
      }
      const order: string[] = [];
      const tried = new Set<string>();
      for (;;) {
        const picked = picker.pick({ tried, hashKey: 'k' });
        if (picked === undefined) break;
        order.push(picked.host);
        tried.add(picked.key);
      }
      assert.deepEqual(order.slice(0, 2).sort(), ['h1', 'h2']);
      assert.deepEqual(order.slice(2), ['m1', 'l1']);
    });
  }

  void test('done reaches the picker of the node group (least_conn counts)', () => {
    const picker = createPicker('least_conn', [
      node('h', 1, 1),
      node('l1', 1, 0),
      node('l2', 1, 0),
    ]);
    const tried = new Set(['h:80']);
    const first = picker.pick({ tried })!;
    picker.done?.(first, { ms: 1, failed: false });
    assert.equal(picker.pick({ tried }), first, 'released, so the same idle node again');
  });
});

void describe('createPicker', () => {
  void test('uses a single node directly, even on retry and with weight 0, as APISIX does', () => {
    const only = node('only', 0);
    const picker = createPicker('roundrobin', [only]);
    assert.equal(picker.pick({}), only);
    assert.equal(picker.pick({ tried: new Set([only.key]) }), only);
  });

  void test('builds a real picker for one least_conn node, so its counts stay right', () => {
    const only = node('only');
    const picker = createPicker('least_conn', [only]);
    assert.equal(picker.pick({ tried: new Set([only.key]) }), undefined);
    assert.equal(typeof picker.done, 'function');
  });

  void test('rejects an unknown balancer type with a coded error', () => {
    assert.throws(
      () => createPicker('my_custom_balancer', [node('a'), node('b')]),
      (err) => isGatehouseError(err, 'GH_ERR_BALANCER_UNKNOWN_TYPE') && err.status === 502,
    );
  });
});
