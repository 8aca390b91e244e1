import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpr, exprError } from '../../src/core/expr/compile.js';
import { isGatehouseError } from '../../src/core/errors.js';

const cases: { desc: string; rule: unknown; want: string | undefined }[] = [
  { desc: 'accepts an empty rule', rule: [], want: undefined },
  { desc: 'rejects a missing rule', rule: undefined, want: 'missing argument rule' },
  { desc: 'rejects a non-array rule', rule: 'x', want: 'invalid expression' },
  {
    desc: 'rejects a top-level leaf not wrapped in brackets',
    rule: ['arg_a', '==', 'x'],
    want: 'rule should be wrapped inside brackets',
  },
  { desc: 'rejects an unknown operator', rule: [['a', '=', 'x']], want: "invalid operator '='" },
  { desc: 'rejects a logical group of one', rule: ['AND', ['a', 'x']], want: 'rule too short' },
  { desc: 'rejects an empty nested rule', rule: [['a', 'x'], []], want: 'rule too short' },
  { desc: 'rejects a bad negation', rule: [['a', 'not', '==', 'x']], want: "bad 'not' expression" },
  { desc: 'rejects a one-element expression', rule: [['a']], want: 'invalid expression' },
  { desc: 'rejects a null var name', rule: [[null, '==', 'x']], want: 'invalid expression' },
  {
    desc: 'rejects a non-array operand of a group',
    rule: ['OR', 'a', 'b'],
    want: 'invalid expression',
  },
  {
    desc: 'rejects ipmatch with no value',
    rule: [['a', 'ipmatch', '']],
    want: 'invalid ip address',
  },
  {
    desc: 'rejects ipmatch with an empty list',
    rule: [['a', 'ipmatch', []]],
    want: 'invalid ip address',
  },
  {
    desc: 'rejects ipmatch with a bad CIDR',
    rule: [['a', 'ipmatch', '10.0.0.0/33']],
    want: 'invalid ip address: 10.0.0.0/33',
  },
  {
    desc: 'rejects a regex JS cannot run, naming the reason',
    rule: [['a', '~~', 'a++']],
    want: "invalid regex 'a++': possessive quantifiers are not supported",
  },
  {
    desc: 'rejects a regex that does not parse',
    rule: [['a', '~~', '(']],
    want: "invalid regex '(': Invalid regular expression: /(/: Unterminated group",
  },
  {
    desc: 'rejects a regex value that is not a string',
    rule: [['a', '~*', ['x']]],
    want: 'invalid regex: the value must be a string',
  },
];

void describe('compileExpr errors', () => {
  for (const c of cases) void test(c.desc, () => assert.equal(exprError(c.rule), c.want));

  void test('throws a GH_ERR_ADMIN_BAD_REQUEST with the message', () => {
    assert.throws(
      () => compileExpr([['a', '=', 'x']]),
      (err: unknown) =>
        isGatehouseError(err, 'GH_ERR_ADMIN_BAD_REQUEST') && err.message === "invalid operator '='",
    );
  });
});
