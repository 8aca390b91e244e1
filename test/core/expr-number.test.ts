import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { luaToNumber } from '../../src/core/expr/lua-number.js';

const cases: { text: unknown; want: number | undefined }[] = [
  { text: '12', want: 12 },
  { text: ' 12 ', want: 12 },
  { text: '-1.5e2', want: -150 },
  { text: '.5', want: 0.5 },
  { text: '0x10', want: 16 },
  { text: '-0x10', want: -16 },
  { text: '0', want: 0 },
  { text: '-0', want: -0 },
  { text: '1e999', want: Infinity },
  { text: '', want: undefined },
  { text: '   ', want: undefined },
  { text: 'Infinity', want: undefined },
  { text: '0b11', want: undefined },
  { text: '0o7', want: undefined },
  { text: '12abc', want: undefined },
  { text: '0xb', want: 11 },
  { text: 7, want: 7 },
  { text: true, want: undefined },
  { text: undefined, want: undefined },
];

void describe('luaToNumber reads numbers as Lua tonumber does', () => {
  for (const c of cases) {
    void test(`${JSON.stringify(c.text) ?? 'undefined'} → ${String(c.want)}`, () =>
      assert.equal(luaToNumber(c.text), c.want));
  }
});
