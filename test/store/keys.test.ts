import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareKeys, prefixEnd } from '../../src/store/keys.js';

const cases: Array<{ desc: string; prefix: number[]; want: number[] | undefined }> = [
  { desc: 'increments the last byte', prefix: [0x61, 0x2f], want: [0x61, 0x30] },
  { desc: 'drops trailing 0xff bytes', prefix: [0x61, 0xff, 0xff], want: [0x62] },
  { desc: 'has no bound for an empty prefix', prefix: [], want: undefined },
  { desc: 'has no bound for only 0xff bytes', prefix: [0xff, 0xff], want: undefined },
];

for (const { desc, prefix, want } of cases) {
  void test(`prefixEnd ${desc}`, () => {
    const end = prefixEnd(Buffer.from(prefix));
    assert.deepEqual(end && [...end], want);
  });
}

void test('compareKeys orders by UTF-8 bytes, not UTF-16 code units', () => {
  const keys = ['routes/2', '\u{1F600}', 'routes/10', '\uFFFD', 'routes/1'];
  assert.deepEqual(keys.sort(compareKeys), [
    'routes/1',
    'routes/10',
    'routes/2',
    '\uFFFD',
    '\u{1F600}',
  ]);
});
