import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerSafe } from '../../src/core/header-value.js';

void test('headerSafe percent-encodes control characters so that no header line can be injected', () => {
  assert.equal(headerSafe('/a\r\nX-Evil: 1\x7f'), '/a%0D%0AX-Evil: 1%7F');
});

void test('headerSafe writes a character past U+00FF as its UTF-8 bytes and keeps Latin-1 as it is', () => {
  assert.equal(headerSafe('/中é'), '/\xe4\xb8\xad\xe9');
  assert.equal(headerSafe('😀'), '\xf0\x9f\x98\x80');
});

void test('headerSafe encodes TAB unless asked to keep it', () => {
  assert.equal(headerSafe('a\tb'), 'a%09b');
  assert.equal(headerSafe('a\tb\n', true), 'a\tb%0A');
});
