/** limit-count's header texts, printed without String for the usual numbers. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ResetText, twoDecimals } from '../../src/plugins/lib/limit-count-headers.js';

void describe('limit-count reset text', () => {
  void test('prints every reset of up to two decimals exactly as String does', () => {
    // Resets are floor or ceil of hundredths over 100, as the windows compute them.
    for (let h = 0; h < 1_000_000; h++) {
      const reset = h / 100;
      if (twoDecimals(reset) !== String(reset)) assert.fail(`${reset}: ${twoDecimals(reset)}`);
    }
  });

  void test('leaves numbers that are not two-decimal resets to String', () => {
    for (const x of [1.005, 12.345, 3599.999, 2 ** 31, 1e21, -0.5, NaN, Infinity]) {
      assert.equal(twoDecimals(x), String(x), `${x}`);
    }
  });

  void test('keeps the last text while the reset does not change', () => {
    const text = new ResetText();
    assert.equal(text.of(59.9), '59.9');
    assert.equal(text.of(59.9), '59.9');
    assert.equal(text.of(0.05), '0.05');
    assert.equal(text.of(60), '60');
  });
});
