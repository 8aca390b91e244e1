import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashKeyFor, type HashKeySource } from '../../src/balancer/hash-key.js';

const vars = new Map<string, string>([
  ['remote_addr', '10.1.1.1'],
  ['uri', '/orders/7'],
  ['request_uri', '/orders/7?x=1'],
  ['arg_user', 'ann'],
  ['http_x_user_id', 'u-42'],
  ['cookie_SessionId', 's-9'],
  ['empty', ''],
]);

const cases: {
  desc: string;
  upstream: HashKeySource;
  consumer?: string;
  want: string | undefined;
}[] = [
  { desc: 'vars reads the variable', upstream: { hash_on: 'vars', key: 'uri' }, want: '/orders/7' },
  { desc: 'hash_on defaults to vars', upstream: { key: 'arg_user' }, want: 'ann' },
  {
    desc: 'vars: missing variable',
    upstream: { hash_on: 'vars', key: 'arg_none' },
    want: undefined,
  },
  { desc: 'vars: empty value is a key', upstream: { key: 'empty' }, want: '' },
  {
    desc: 'header is normalised to http_<lower, _>',
    upstream: { hash_on: 'header', key: 'X-User-Id' },
    want: 'u-42',
  },
  {
    desc: 'cookie keeps the name case',
    upstream: { hash_on: 'cookie', key: 'SessionId' },
    want: 's-9',
  },
  { desc: 'cookie: absent', upstream: { hash_on: 'cookie', key: 'sessionid' }, want: undefined },
  { desc: 'consumer name', upstream: { hash_on: 'consumer' }, consumer: 'jack', want: 'jack' },
  { desc: 'consumer: anonymous request', upstream: { hash_on: 'consumer' }, want: undefined },
  {
    desc: 'vars_combinations interpolates $var',
    upstream: { hash_on: 'vars_combinations', key: '$request_uri$remote_addr' },
    want: '/orders/7?x=110.1.1.1',
  },
  {
    desc: 'vars_combinations: ${var} and literal text',
    upstream: { hash_on: 'vars_combinations', key: 'u=${ arg_user }&ip=$remote_addr' },
    want: 'u=ann&ip=10.1.1.1',
  },
  {
    desc: 'vars_combinations: unresolved variables become empty',
    upstream: { hash_on: 'vars_combinations', key: '$arg_none-$uri' },
    want: '-/orders/7',
  },
  {
    desc: 'vars_combinations: nothing resolved is undefined',
    upstream: { hash_on: 'vars_combinations', key: '$arg_none$http_none' },
    want: undefined,
  },
  {
    desc: 'vars_combinations: no variable at all is undefined',
    upstream: { hash_on: 'vars_combinations', key: 'fixed' },
    want: undefined,
  },
  {
    desc: 'vars_combinations: ${var ?? default}',
    upstream: { hash_on: 'vars_combinations', key: '${arg_none ?? anon}' },
    want: 'anon',
  },
  {
    desc: 'vars_combinations: an escaped \\$ stays literal',
    upstream: { hash_on: 'vars_combinations', key: '\\$uri $uri' },
    want: '\\$uri /orders/7',
  },
];

for (const c of cases) {
  void test(`hashKeyFor: ${c.desc}`, () => {
    assert.equal(hashKeyFor(c.upstream, vars, c.consumer), c.want);
  });
}
