import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkVarsExpr } from '../../src/resources/vars-expr.js';

const cases: { desc: string; rule: unknown; want?: string }[] = [
  { desc: 'accepts an empty expression', rule: [] },
  {
    desc: 'accepts implicit AND of expressions',
    rule: [
      ['uri', '==', '/a'],
      ['arg_x', '~~', '^1'],
    ],
  },
  {
    desc: 'accepts every operator',
    rule: ['==', '~=', '>', '<', '>=', '<=', '~~', '~*', 'in', 'has'].map((op) => ['x', op, '1']),
  },
  { desc: 'accepts operators in any case', rule: [['x', 'IN', ['a']]] },
  { desc: 'accepts a negated expression', rule: [['x', '!', '~~', 'a']] },
  { desc: 'accepts the two-element shorthand for ==', rule: [['x', 'a']] },
  {
    desc: 'accepts nested logical groups',
    rule: [
      'OR',
      ['AND', ['a', '==', 1], ['b', '>', 2]],
      ['!OR', ['c', 'x'], ['d', 'y']],
      ['!AND', ['e', 'x'], ['f', 'y']],
    ],
  },
  {
    desc: 'accepts ipmatch with an IP, a CIDR and a list',
    rule: [
      ['remote_addr', 'ipmatch', '10.0.0.0/8'],
      ['remote_addr', 'ipmatch', ['::1', '127.0.0.1']],
    ],
  },
  { desc: 'rejects a wrong operator', rule: [['x', '=', '1']], want: "invalid operator '='" },
  {
    desc: 'rejects a rule not wrapped in brackets',
    rule: ['x', '==', '1'],
    want: 'rule should be wrapped inside brackets',
  },
  {
    desc: 'rejects a logical group with one operand',
    rule: ['OR', ['x', '==', '1']],
    want: 'rule too short',
  },
  { desc: 'rejects a bad negation', rule: [['x', 'not', '==', '1']], want: "bad 'not' expression" },
  { desc: 'rejects a one-element expression', rule: [['x']], want: 'invalid expression' },
  {
    desc: 'rejects ipmatch without addresses',
    rule: [['remote_addr', 'ipmatch', []]],
    want: 'invalid ip address',
  },
  {
    desc: 'rejects ipmatch with a bad address',
    rule: [['remote_addr', 'ipmatch', '10.0.0.300']],
    want: 'invalid ip address: 10.0.0.300',
  },
];

void describe('checkVarsExpr', () => {
  for (const c of cases) void test(c.desc, () => assert.equal(checkVarsExpr(c.rule), c.want));
});
