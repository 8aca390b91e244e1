import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeSni, SniTable } from '../../src/tls/sni-table.js';

void test('a server name is lower-cased and loses one trailing dot', () => {
  assert.equal(normalizeSni('WWW.Test.COM.'), 'www.test.com');
  assert.equal(normalizeSni('www.test.com'), 'www.test.com');
});

const cases: { desc: string; names: Record<string, string[]>; sni: string; want?: string }[] = [
  { desc: 'an exact name', names: { a: ['www.test.com'] }, sni: 'www.test.com', want: 'a' },
  { desc: 'exact, any case', names: { a: ['WWW.test.com'] }, sni: 'www.TEST.com.', want: 'a' },
  {
    desc: 'an exact name wins over a wildcard',
    names: { w: ['*.test.com'], a: ['www.test.com'] },
    sni: 'www.test.com',
    want: 'a',
  },
  {
    desc: '*.test.com matches one label',
    names: { w: ['*.test.com'] },
    sni: 'a.test.com',
    want: 'w',
  },
  {
    desc: '*.test.com does not match two labels',
    names: { w: ['*.test.com'] },
    sni: 'a.b.test.com',
  },
  { desc: '*.test.com does not match test.com', names: { w: ['*.test.com'] }, sni: 'test.com' },
  {
    desc: '*test.com matches a longer first label',
    names: { w: ['*test.com'] },
    sni: 'atest.com',
    want: 'w',
  },
  { desc: '*test.com does not match a.test.com', names: { w: ['*test.com'] }, sni: 'a.test.com' },
  {
    desc: 'the longer wildcard suffix wins',
    names: { s: ['*est.com'], l: ['*test.com'] },
    sni: 'atest.com',
    want: 'l',
  },
  {
    desc: 'a deeper wildcard serves its own label',
    names: { w: ['*.test.com'], d: ['*.b.test.com'] },
    sni: 'a.b.test.com',
    want: 'd',
  },
  { desc: 'a bare * matches anything', names: { any: ['*'] }, sni: 'a.b.example.org', want: 'any' },
  {
    desc: 'a bare * comes after wildcards',
    names: { any: ['*'], w: ['*.test.com'] },
    sni: 'a.test.com',
    want: 'w',
  },
  {
    desc: 'one of several names',
    names: { a: ['x.org', 'www.test.com'] },
    sni: 'x.org',
    want: 'a',
  },
  { desc: 'no name matches', names: { a: ['www.test.com'] }, sni: 'www.test.org' },
];

for (const c of cases) {
  void test(`SNI matching: ${c.desc}`, () => {
    const table = new SniTable<string>();
    for (const [owner, names] of Object.entries(c.names)) table.set(owner, names, owner);
    assert.equal(table.match(c.sni), c.want);
  });
}

void test('replacing an owner drops its old names', () => {
  const table = new SniTable<string>();
  table.set('1', ['a.test.com', '*.x.org'], 'v1');
  table.set('1', ['b.test.com'], 'v2');
  assert.equal(table.match('a.test.com'), undefined);
  assert.equal(table.match('q.x.org'), undefined);
  assert.equal(table.match('b.test.com'), 'v2');
  assert.equal(table.size, 1);
});

void test('deleting an owner lets the next owner of a shared name serve it', () => {
  const table = new SniTable<string>();
  table.set('1', ['www.test.com'], 'first');
  table.set('2', ['www.test.com'], 'second');
  assert.equal(table.match('www.test.com'), 'first');
  table.delete('1');
  assert.equal(table.match('www.test.com'), 'second');
  table.delete('2');
  assert.equal(table.match('www.test.com'), undefined);
  assert.equal(table.size, 0);
});

void test('deleting an unknown owner changes nothing', () => {
  const table = new SniTable<string>();
  table.set('1', ['www.test.com'], 'v');
  table.delete('2');
  assert.equal(table.match('www.test.com'), 'v');
});
