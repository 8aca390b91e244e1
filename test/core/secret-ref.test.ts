import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { holdsSecretRef, isSecretRef, resolveSecretRefs } from '../../src/core/secret-ref.js';
import { SecretRefResolver } from '../../src/core/secret-resolver.js';

void describe('isSecretRef', () => {
  for (const [value, want] of [
    ['$secret://vault/1/key', true],
    ['$env://HOME', true],
    ['$ENV://HOME', true],
    ['$Env://HOME', true],
    ['$Secret://x', false],
    ['secret', false],
    ['x$env://HOME', false],
    [1, false],
  ] as const) {
    void test(`${String(value)} is ${want ? '' : 'not '}a secret reference`, () => {
      assert.equal(isSecretRef(value), want);
    });
  }

  void test('holdsSecretRef looks into nested objects and arrays', () => {
    assert.equal(holdsSecretRef({ a: [{ b: 'x' }, 1, null] }), false);
    assert.equal(holdsSecretRef({ a: [{ b: '$env://X' }] }), true);
  });
});

const ENV = {
  TOKEN: 'tok-1',
  EMPTY: '',
  JSON_CREDS: '{"user":"jack","port":8080,"nested":{"a":1},"nothing":null}',
  PLAIN: 'not json',
};

void describe('resolveSecretRefs', () => {
  const cases: {
    desc: string;
    value: unknown;
    want: unknown;
    failures?: { path: string; reason: string }[];
  }[] = [
    { desc: 'resolves $env://NAME', value: { key: '$env://TOKEN' }, want: { key: 'tok-1' } },
    { desc: 'takes the scheme in any case', value: ['$ENV://TOKEN'], want: ['tok-1'] },
    { desc: 'resolves a variable set to the empty string', value: '$env://EMPTY', want: '' },
    {
      desc: 'resolves at any depth, in arrays too',
      value: { a: { b: ['x', '$env://TOKEN'] }, n: 1, t: true, z: null },
      want: { a: { b: ['x', 'tok-1'] }, n: 1, t: true, z: null },
    },
    {
      desc: 'takes a field of a JSON variable with $env://NAME/key, whatever its type',
      value: {
        u: '$env://JSON_CREDS/user',
        p: '$env://JSON_CREDS/port',
        o: '$env://JSON_CREDS/nested',
      },
      want: { u: 'jack', p: 8080, o: { a: 1 } },
    },
    {
      desc: 'reads $env://NAME/ (empty key) as the whole variable',
      value: '$env://TOKEN/',
      want: 'tok-1',
    },
    {
      desc: 'keeps an unset variable as the reference and reports it',
      value: { h: { set: { 'X-K': '$env://GH_TEST_SURELY_UNSET' } } },
      want: { h: { set: { 'X-K': '$env://GH_TEST_SURELY_UNSET' } } },
      failures: [
        { path: 'h.set.X-K', reason: 'environment variable GH_TEST_SURELY_UNSET is not set' },
      ],
    },
    {
      desc: 'keeps a missing or null key of a JSON variable',
      value: ['$env://JSON_CREDS/nope', '$env://JSON_CREDS/nothing'],
      want: ['$env://JSON_CREDS/nope', '$env://JSON_CREDS/nothing'],
      failures: [
        { path: '0', reason: 'environment variable JSON_CREDS has no key nope' },
        { path: '1', reason: 'environment variable JSON_CREDS has no key nothing' },
      ],
    },
    {
      desc: 'keeps a key of a variable that is not JSON',
      value: '$env://PLAIN/k',
      want: '$env://PLAIN/k',
      failures: [{ path: '', reason: 'environment variable PLAIN is not JSON, so has no key k' }],
    },
    {
      desc: 'keeps a $secret:// reference, naming its manager and id',
      value: { password: '$secret://vault/1/redis/pass' },
      want: { password: '$secret://vault/1/redis/pass' },
      failures: [
        {
          path: 'password',
          reason: 'secret manager vault, id 1: fetching from a secret manager is not supported yet',
        },
      ],
    },
    {
      desc: "keeps a malformed $secret:// reference with APISIX's format error",
      value: ['$secret://vault', '$secret://vault/1', '$secret://vault/1/'],
      want: ['$secret://vault', '$secret://vault/1', '$secret://vault/1/'],
      failures: [
        { path: '0', reason: 'error format: no secret manager' },
        { path: '1', reason: 'error format: no secret conf id' },
        { path: '2', reason: 'error format: no secret key id' },
      ],
    },
  ];
  for (const c of cases) {
    void test(c.desc, () => {
      const got = resolveSecretRefs(c.value, ENV);
      assert.deepEqual(got.value, c.want);
      assert.deepEqual(
        got.failures.map((f) => ({ path: f.path, reason: f.reason })),
        c.failures ?? [],
      );
    });
  }

  void test('returns the same object when it holds no reference, and never changes the input', () => {
    const plain = { a: { b: ['x'] } };
    assert.equal(resolveSecretRefs(plain, ENV).value, plain);
    const withRef = { a: { b: ['$env://TOKEN'] } };
    const out = resolveSecretRefs(withRef, ENV).value;
    assert.notEqual(out, withRef);
    assert.deepEqual(withRef, { a: { b: ['$env://TOKEN'] } });
  });
});

void describe('SecretRefResolver', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'error' },
      { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
    );
    return { lines, resolver: new SecretRefResolver(logger, ENV) };
  };

  void test('resolves a conf once and logs each unresolved reference once', () => {
    const { lines, resolver } = capture();
    const conf = { a: '$env://TOKEN', b: '$secret://aws/2/k' };
    const first = resolver.resolve(conf, { plugin: 'p' });
    assert.deepEqual(first, { a: 'tok-1', b: '$secret://aws/2/k' });
    assert.equal(resolver.resolve(conf, { plugin: 'p' }), first, 'cached per conf object');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!['plugin'], 'p');
    assert.equal(lines[0]!['field'], 'b');
    assert.equal(lines[0]!['ref'], '$secret://aws/2/k');
    assert.match(String(lines[0]!['reason']), /secret manager aws, id 2/);
  });

  void test('returns a conf without references as it is, logging nothing', () => {
    const { lines, resolver } = capture();
    const conf = { a: 'x' };
    assert.equal(resolver.resolve(conf, {}), conf);
    assert.equal(lines.length, 0);
  });
});
