import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpr } from '../../src/core/expr/compile.js';
import type { RequestVars } from '../../src/core/expr/request-vars.js';

function varsOf(values: Record<string, string>, lists: Record<string, string[]> = {}): RequestVars {
  return { get: (name) => values[name], getList: (name) => lists[name] };
}

const cases: { desc: string; rule: unknown; vars: RequestVars; want: boolean }[] = [
  { desc: 'an empty rule is always true', rule: [], vars: varsOf({}), want: true },
  {
    desc: '== compares strings',
    rule: [['arg_a', '==', 'x']],
    vars: varsOf({ arg_a: 'x' }),
    want: true,
  },
  {
    desc: '== with a number compares tonumber(var)',
    rule: [['arg_a', '==', 10]],
    vars: varsOf({ arg_a: '10.0' }),
    want: true,
  },
  {
    desc: '== with a number and a non-numeric var is false',
    rule: [['arg_a', '==', 10]],
    vars: varsOf({ arg_a: 'ten' }),
    want: false,
  },
  {
    desc: '~= with a number and a non-numeric var is true',
    rule: [['arg_a', '~=', 10]],
    vars: varsOf({ arg_a: 'ten' }),
    want: true,
  },
  {
    desc: '~= with a number and a missing var is true',
    rule: [['arg_a', '~=', 10]],
    vars: varsOf({}),
    want: true,
  },
  {
    desc: '== null is true for a missing var',
    rule: [['arg_a', '==', null]],
    vars: varsOf({}),
    want: true,
  },
  {
    desc: '~= null is true for a present var',
    rule: [['arg_a', '~=', null]],
    vars: varsOf({ arg_a: '' }),
    want: true,
  },
  {
    desc: '== a string value never equals a number-looking var numerically',
    rule: [['arg_a', '==', '10']],
    vars: varsOf({ arg_a: '10.0' }),
    want: false,
  },
  {
    desc: '> converts both sides (string value)',
    rule: [['arg_a', '>', '9']],
    vars: varsOf({ arg_a: '10' }),
    want: true,
  },
  {
    desc: '> with a non-numeric var is false',
    rule: [['arg_a', '>', 1]],
    vars: varsOf({ arg_a: 'x' }),
    want: false,
  },
  {
    desc: '> with a non-numeric value is false',
    rule: [['arg_a', '>', 'x']],
    vars: varsOf({ arg_a: '5' }),
    want: false,
  },
  { desc: '>= equal', rule: [['a', '>=', 5]], vars: varsOf({ a: '5' }), want: true },
  { desc: '< hex var', rule: [['a', '<', 17]], vars: varsOf({ a: '0x10' }), want: true },
  { desc: '<= blank var is not 0', rule: [['a', '<=', 1]], vars: varsOf({ a: ' ' }), want: false },
  {
    desc: '~~ searches unanchored',
    rule: [['a', '~~', 'b+c']],
    vars: varsOf({ a: 'abbcd' }),
    want: true,
  },
  {
    desc: '~~ is case-sensitive',
    rule: [['a', '~~', 'ABC']],
    vars: varsOf({ a: 'abc' }),
    want: false,
  },
  {
    desc: '~* is case-insensitive',
    rule: [['a', '~*', 'ABC']],
    vars: varsOf({ a: 'xabc' }),
    want: true,
  },
  {
    desc: '~~ on a missing var is false',
    rule: [['a', '~~', '.*']],
    vars: varsOf({}),
    want: false,
  },
  {
    desc: '~~ translates a leading (?i)',
    rule: [['a', '~~', '(?i)^dev']],
    vars: varsOf({ a: 'DEVEL' }),
    want: true,
  },
  {
    desc: 'in finds a string',
    rule: [['a', 'in', ['x', 'y']]],
    vars: varsOf({ a: 'y' }),
    want: true,
  },
  {
    desc: 'in never matches a number element (raw equality)',
    rule: [['a', 'in', [1, 2]]],
    vars: varsOf({ a: '1' }),
    want: false,
  },
  {
    desc: 'in with a non-array value is false',
    rule: [['a', 'in', 'x']],
    vars: varsOf({ a: 'x' }),
    want: false,
  },
  {
    desc: 'has looks in a list-valued var',
    rule: [['graphql_root_fields', 'has', 'owner']],
    vars: varsOf({}, { graphql_root_fields: ['repo', 'owner'] }),
    want: true,
  },
  {
    desc: 'has on a string var is false',
    rule: [['a', 'has', 'x']],
    vars: varsOf({ a: 'x' }),
    want: false,
  },
  {
    desc: 'has without getList is false',
    rule: [['a', 'has', 'x']],
    vars: { get: () => undefined },
    want: false,
  },
  {
    desc: 'ipmatch a CIDR',
    rule: [['remote_addr', 'ipmatch', '10.0.0.0/8']],
    vars: varsOf({ remote_addr: '10.2.3.4' }),
    want: true,
  },
  {
    desc: 'ipmatch an IPv6 entry of a list',
    rule: [['remote_addr', 'ipmatch', ['192.168.0.1', '2001:db8::/32']]],
    vars: varsOf({ remote_addr: '2001:db8::5' }),
    want: true,
  },
  {
    desc: 'ipmatch an IPv4-mapped IPv6 address against IPv4 entries',
    rule: [['remote_addr', 'ipmatch', '127.0.0.0/8']],
    vars: varsOf({ remote_addr: '::ffff:127.0.0.1' }),
    want: true,
  },
  {
    desc: 'ipmatch a non-IP var is false',
    rule: [['remote_addr', 'ipmatch', '10.0.0.0/8']],
    vars: varsOf({ remote_addr: 'nope' }),
    want: false,
  },
  { desc: '! negates', rule: [['a', '!', '~~', '^dev']], vars: varsOf({ a: 'prod' }), want: true },
  {
    desc: 'operators are case-insensitive',
    rule: [['a', 'IN', ['x']]],
    vars: varsOf({ a: 'x' }),
    want: true,
  },
  {
    desc: 'shorthand [var, value] means ==',
    rule: [['a', 'x']],
    vars: varsOf({ a: 'x' }),
    want: true,
  },
  {
    desc: 'shorthand value is lower-cased, as it passed through the operator slot',
    rule: [['a', 'ABC']],
    vars: varsOf({ a: 'abc' }),
    want: true,
  },
  {
    desc: 'implicit AND needs every expression',
    rule: [
      ['a', 'x'],
      ['b', 'y'],
    ],
    vars: varsOf({ a: 'x', b: 'z' }),
    want: false,
  },
  {
    desc: 'OR needs one',
    rule: ['OR', ['a', 'x'], ['b', 'y']],
    vars: varsOf({ b: 'y' }),
    want: true,
  },
  {
    desc: '!OR is true when none holds',
    rule: ['!OR', ['a', 'x'], ['b', 'y']],
    vars: varsOf({}),
    want: true,
  },
  {
    desc: '!AND is false when all hold',
    rule: ['!AND', ['a', 'x'], ['b', 'y']],
    vars: varsOf({ a: 'x', b: 'y' }),
    want: false,
  },
  {
    desc: 'logical operators are case-insensitive and nest',
    rule: ['or', ['and', ['a', 'x'], ['b', 'y']], ['!or', ['c', 'z'], ['d', 'w']]],
    vars: varsOf({ a: 'x', b: 'n', c: 'z' }),
    want: false,
  },
  {
    desc: 'a nested group inside an implicit AND',
    rule: [
      ['a', 'x'],
      ['OR', ['b', 'y'], ['c', 'z']],
    ],
    vars: varsOf({ a: 'x', c: 'z' }),
    want: true,
  },
  {
    desc: 'a non-string var name is never set',
    rule: [[5, '==', null]],
    vars: varsOf({ '5': 'x' }),
    want: true,
  },
];

void describe('compileExpr evaluation', () => {
  for (const c of cases) {
    void test(c.desc, () => assert.equal(compileExpr(c.rule)(c.vars), c.want));
  }
});
