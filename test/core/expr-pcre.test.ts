import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { toJsRegExp } from '../../src/core/expr/pcre.js';

const cases: { desc: string; pcre: string; subject: string; want: boolean | string }[] = [
  { desc: 'plain patterns pass through', pcre: '^/api/v[0-9]+', subject: '/api/v2/x', want: true },
  { desc: 'leading (?i) becomes the i flag', pcre: '(?i)^abc$', subject: 'ABC', want: true },
  { desc: 'leading (?s) lets . match a newline', pcre: '(?s)a.b', subject: 'a\nb', want: true },
  { desc: '\\A and \\z anchor', pcre: '\\Aab\\z', subject: 'ab', want: true },
  { desc: '\\Z allows a final newline', pcre: 'ab\\Z', subject: 'ab\n', want: true },
  { desc: '\\Q...\\E quotes', pcre: '\\Qa.b*\\E', subject: 'a.b*', want: true },
  {
    desc: '\\Q...\\E does not match metachar meaning',
    pcre: '^\\Qa.b\\E$',
    subject: 'axb',
    want: false,
  },
  { desc: 'POSIX classes', pcre: '^[[:alpha:][:digit:]]+$', subject: 'ab12', want: true },
  { desc: 'a ] first in a class is literal', pcre: '[]a]', subject: ']', want: true },
  { desc: '(?P<name>...) named groups', pcre: '(?P<v>\\d+)-(?P=v)', subject: '12-12', want: true },
  { desc: '(?#...) comments vanish', pcre: 'a(?#note)b', subject: 'ab', want: true },
  { desc: '\\x{41} code points', pcre: '\\x{41}', subject: 'A', want: true },
  { desc: '\\h is horizontal space', pcre: 'a\\hb', subject: 'a\tb', want: true },
  { desc: 'lazy quantifiers are fine', pcre: 'a+?b', subject: 'aab', want: true },
  { desc: 'an escaped + before + is no possessive', pcre: '\\++', subject: '++', want: true },
  {
    desc: 'possessive refused',
    pcre: 'a*+',
    subject: '',
    want: 'possessive quantifiers are not supported',
  },
  {
    desc: 'counted possessive refused',
    pcre: 'a{2}+',
    subject: '',
    want: 'possessive quantifiers are not supported',
  },
  {
    desc: 'atomic groups refused',
    pcre: '(?>a)',
    subject: '',
    want: 'atomic groups are not supported',
  },
  { desc: 'recursion refused', pcre: '(a(?R)?b)', subject: '', want: 'recursion is not supported' },
  {
    desc: 'conditionals refused',
    pcre: '(a)?(?(1)b|c)',
    subject: '',
    want: 'conditionals are not supported',
  },
  {
    desc: 'Unicode properties refused',
    pcre: '\\p{L}',
    subject: '',
    want: 'Unicode properties (\\p) are not supported',
  },
  {
    desc: 'inline flags in the middle refused',
    pcre: 'a(?i)b',
    subject: '',
    want: 'inline flags are only supported at the start',
  },
  { desc: 'lookbehind works', pcre: '(?<=a)b', subject: 'ab', want: true },
];

void describe('toJsRegExp', () => {
  for (const c of cases) {
    void test(c.desc, () => {
      const re = toJsRegExp(c.pcre, false);
      if (typeof c.want === 'string') assert.equal(re, c.want);
      else assert.equal(typeof re === 'string' ? re : re.test(c.subject), c.want);
    });
  }
});
