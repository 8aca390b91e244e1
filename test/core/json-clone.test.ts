import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonClone } from '../../src/core/json-clone.js';

void describe('jsonClone', () => {
  void test('copies a JSON value deeply, keys in order', () => {
    const input = JSON.parse('{"b":1,"a":[{"x":null},"s",true,2.5],"1":{"n":{}}}') as Record<
      string,
      unknown
    >;
    const out = jsonClone(input);
    assert.deepStrictEqual(out, input);
    assert.equal(JSON.stringify(out), JSON.stringify(input));
    assert.notEqual(out['a'], input['a']);
    assert.notEqual((out['a'] as unknown[])[0], (input['a'] as unknown[])[0]);
  });

  void test('keeps a "__proto__" key an own property, as JSON.parse made it', () => {
    const input = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    const out = jsonClone(input);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out), ['__proto__', 'a']);
    assert.deepStrictEqual(out, structuredClone(input));
  });

  void test('leaves values that are not plain JSON to structuredClone', () => {
    const date = new Date(0);
    const out = jsonClone({ at: date, m: new Map([[1, 2]]) });
    assert.ok(out.at instanceof Date && out.at !== date);
    assert.ok(out.m instanceof Map);
    assert.throws(() => jsonClone({ f: () => 1 }), { name: 'DataCloneError' });
  });
});
